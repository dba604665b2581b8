/**
 * What an epoch trains on: images through the whole model, or, while a frozen prefix can be cached
 * (feature-cache.ts), the prefix's cached outputs through the trainable suffix. The cache is kept from one epoch to
 * the next until the phase's prefix changes or the loop drops it, and each choice is reported through onFeatureCache.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { batches, DEFAULT_AUGMENT, epochOrder } from '../data/index.ts';
import { cacheForPhase, DEFAULT_FEATURE_CACHE_BYTES, type FeatureCache, type FeatureCacheOptions } from './feature-cache.ts';
import type { Phase } from './plan.ts';
import type { Run } from './run-setup.ts';

/** What one step trains on: images for the whole model, or cached features for the suffix. */
export interface StepInput {
  x: Float32Array;
  shape: number[];
  y: Int32Array;
  indices: number[];
}

export interface EpochInput {
  /** The model, or the cache's suffix. */
  net: tfl.LayersModel;
  batches: AsyncIterator<StepInput>;
}

export class EpochInputs {
  /** The cache the last epoch used, if any. */
  cache: FeatureCache | null = null;
  private readonly options: FeatureCacheOptions;
  private offReason: string | null = null;

  constructor(private readonly run: Run) {
    this.options = { enabled: run.featureCache?.enabled ?? true, maxBytes: run.featureCache?.maxBytes ?? DEFAULT_FEATURE_CACHE_BYTES };
  }

  /** Epoch e's (0-based) net and batch order; `since` (performance.now()) times a cache build. */
  async open(e: number, phase: Phase, since: number): Promise<EpochInput> {
    const { model, spec, config, dataset: ds, split, events } = this.run;
    const augment = config.augment && phase.augment !== false;
    const planned = await cacheForPhase({
      current: this.cache, model, spec, phase, augment, options: this.options, ds,
      samples: [...split.train, ...split.val], batchSize: config.evalBatchSize,
    });
    this.cache = planned.use ? planned.cache : null;
    if (planned.use) {
      const c = planned.cache;
      events?.onFeatureCache?.({ epoch: e + 1, action: planned.built ? 'built' : 'reused', prefix: c.prefixBlocks, bytes: c.bytes, seconds: (performance.now() - since) / 1000 });
    } else if (planned.reason && planned.reason !== this.offReason) {
      // Said once per reason, not every epoch.
      events?.onFeatureCache?.({ epoch: e + 1, action: 'off', prefix: [], bytes: 0, seconds: 0, reason: planned.reason });
    }
    this.offReason = planned.use ? null : planned.reason;
    const { dropLast } = this.run;
    const stream: AsyncIterable<StepInput> = this.cache
      ? this.cache.batches(epochOrder(split.train, config.seed, e, true), config.batchSize, dropLast, ds.labels)
      : batches(ds, split.train, {
        spec: spec.preprocess, batchSize: config.batchSize, seed: config.seed, epoch: e, shuffle: true,
        augment: augment ? DEFAULT_AUGMENT : false, dropLast,
      });
    return { net: this.cache ? this.cache.parts.suffix : model, batches: stream[Symbol.asyncIterator]() };
  }

  /** The model's weights changed under the cache (best weights put back): build it again when next needed. */
  drop(): void {
    this.cache = null;
  }
}
