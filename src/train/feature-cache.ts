/**
 * Frozen-prefix feature cache: while a leading run of blocks is frozen and the inputs do not change between epochs
 * (no augmentation), the prefix's output is a pure function of the image (frozen BatchNorm runs in inference mode),
 * so it is computed once per sample and the rest of the model trains on it. Features live in memory as one
 * Float32Array per sample, under a byte budget. The cache is keyed by the prefix's blocks: a different prefix (gradual
 * unfreezing) rebuilds it, and the loop drops it whenever prefix weights may have changed.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { batchCount, batches, type Dataset, type PreprocessSpec } from '../data/index.ts';
import type { ModelSpec } from '../models/index.ts';
import type { Phase } from './plan.ts';
import { splitModel, type SplitModel } from './split-model.ts';

export const DEFAULT_FEATURE_CACHE_BYTES = 1024 * 1024 * 1024;

export interface FeatureCacheOptions {
  enabled: boolean;
  /** Most bytes of features held (train + val samples); above it the run goes on without a cache. */
  maxBytes: number;
}

/** The leading backbone blocks that a phase leaves frozen (the head never counts). */
export function frozenPrefix(spec: ModelSpec, phase: Phase): string[] {
  const out: string[] = [];
  for (const b of spec.blocks) {
    if (b.name === 'head' || phase.trainBlocks.includes(b.name)) break;
    out.push(b.name);
  }
  return out;
}

export class FeatureCache {
  readonly key: string;
  readonly features = new Map<number, Float32Array>();
  readonly sampleSize: number;

  constructor(readonly prefixBlocks: string[], readonly parts: SplitModel) {
    this.key = prefixBlocks.join(',');
    this.sampleSize = parts.featureShape.reduce((a, d) => a * d, 1);
  }

  get bytes(): number {
    return this.features.size * this.sampleSize * 4;
  }

  /** Prefix outputs of every sample in `indices`, computed in inference batches of `batchSize`. */
  async fill(ds: Dataset, indices: readonly number[], preprocess: PreprocessSpec, batchSize: number): Promise<void> {
    const todo = indices.filter((i) => !this.features.has(i));
    for await (const b of batches(ds, todo, { spec: preprocess, batchSize, seed: 0, shuffle: false, augment: false })) {
      const out = tf.tidy(() => (this.parts.prefix.predict(tf.tensor4d(b.x, b.shape)) as tf.Tensor).dataSync() as Float32Array);
      b.indices.forEach((i, k) => this.features.set(i, out.slice(k * this.sampleSize, (k + 1) * this.sampleSize)));
    }
  }

  /** One batch of cached features for the samples `ids`, NHWC like the cut tensor. */
  gather(ids: readonly number[]): { x: Float32Array; shape: number[] } {
    const x = new Float32Array(ids.length * this.sampleSize);
    ids.forEach((i, k) => {
      const f = this.features.get(i);
      if (!f) throw new Error(`feature cache has no sample ${i}`);
      x.set(f, k * this.sampleSize);
    });
    return { x, shape: [ids.length, ...this.parts.featureShape] };
  }

  /** Training batches in `order` (the epoch's shuffled sample order), as the image stream would cut them. */
  async *batches(order: readonly number[], batchSize: number, dropLast: boolean, labels: Int32Array): AsyncGenerator<{ x: Float32Array; shape: number[]; y: Int32Array; indices: number[] }> {
    const nb = batchCount(order.length, batchSize, dropLast);
    for (let b = 0; b < nb; b++) {
      const ids = order.slice(b * batchSize, (b + 1) * batchSize);
      yield { ...this.gather(ids), y: Int32Array.from(ids, (i) => labels[i]), indices: ids };
    }
  }

  /** Softmax probabilities of the suffix over cached samples (validation on the cache). */
  probabilities(ids: readonly number[], batchSize: number, k: number): Float32Array {
    const out = new Float32Array(ids.length * k);
    for (let s = 0; s < ids.length; s += batchSize) {
      const { x, shape } = this.gather(ids.slice(s, s + batchSize));
      const p = tf.tidy(() => tf.softmax(this.parts.suffix.predict(tf.tensor(x, shape)) as tf.Tensor).dataSync() as Float32Array);
      out.set(p, s * k);
    }
    return out;
  }
}

export type CachePlan =
  | { use: false; reason: string | null }
  | { use: true; cache: FeatureCache; built: boolean };

/**
 * The cache for this epoch: the current one when its prefix is the phase's, a new one (built over `samples`) when
 * the prefix changed, or none with the reason (null: nothing to cache, e.g. every block trains).
 */
export async function cacheForPhase(args: {
  current: FeatureCache | null;
  model: tfl.LayersModel;
  spec: ModelSpec;
  phase: Phase;
  augment: boolean;
  options: FeatureCacheOptions;
  ds: Dataset;
  samples: readonly number[];
  batchSize: number;
}): Promise<CachePlan> {
  const { current, model, spec, phase, options } = args;
  if (!options.enabled) return { use: false, reason: null };
  const prefix = frozenPrefix(spec, phase);
  if (prefix.length === 0) return { use: false, reason: null };
  if (args.augment) return { use: false, reason: 'augmentation is on (the frozen prefix sees new inputs every epoch)' };
  if (current && current.key === prefix.join(',')) return { use: true, cache: current, built: false };
  const parts = splitModel(model, spec, prefix);
  if ('reason' in parts) return { use: false, reason: parts.reason };
  const cache = new FeatureCache(prefix, parts);
  const need = args.samples.length * cache.sampleSize * 4;
  if (need > options.maxBytes) {
    return { use: false, reason: `${(need / 2 ** 20).toFixed(0)} MiB of features would exceed the ${(options.maxBytes / 2 ** 20).toFixed(0)} MiB budget` };
  }
  await cache.fill(args.ds, args.samples, spec.preprocess, args.batchSize);
  return { use: true, cache, built: true };
}
