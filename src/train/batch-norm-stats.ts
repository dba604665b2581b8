/**
 * BatchNorm statistics that belong to the weights being evaluated.
 *
 * A BatchNorm layer that trains normalises with batch statistics, but is evaluated with moving averages of them. With
 * a slow momentum (Keras' 0.99) those averages still hold mostly ImageNet statistics after a short fine-tune, so every
 * strategy that trains BatchNorm would be judged with statistics that do not belong to its weights. Recalibration
 * ("precise BN", Wu & Johnson 2021; PyTorch's swa_utils.update_bn) replaces them before every evaluation: a forward
 * pass over a fixed, seeded sample of the training split (no augmentation, current weights), in which the layers
 * being recalibrated normalise with their batch's statistics (as in training) and their population mean and variance
 * over all the sample's images and pixels are pooled exactly. Layers a strategy freezes are never touched.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { batches, type Dataset, type PreprocessSpec } from '../data/index.ts';
import { createRng, shuffledIndices } from '../random.ts';
import { BatchNormalization, movingStatistics, setMomentum, type BatchStatsCollector } from '../models/batch-norm-layer.ts';
import type { ModelSpec } from '../models/index.ts';
import type { Phase } from './plan.ts';
import { blockOfLayer, isBatchNorm } from './variables.ts';

/** Sets every BatchNorm layer's moving-average momentum (what the statistics are between recalibrations, or without). */
export function setBatchNormMomentum(model: tfl.LayersModel, momentum: number): void {
  for (const layer of model.layers) if (isBatchNorm(layer)) setMomentum(layer, momentum);
}

/** The BatchNorm layers that train in at least one of `phases` (in model order): the ones whose statistics move. */
export function trainedBatchNormLayers(model: tfl.LayersModel, spec: ModelSpec, phases: readonly Phase[]): string[] {
  const blockOf = blockOfLayer(spec);
  return model.layers
    .filter((l) => isBatchNorm(l) && phases.some((p) => p.bn !== 'eval' && p.trainBlocks.includes(blockOf.get(l.name) ?? '')))
    .map((l) => l.name);
}

/** The fixed sample of training images: all of them up to `size`, else a seeded subset (in split order). */
export function recalibrationSample(train: readonly number[], size: number, seed: number | string): number[] {
  if (train.length <= size) return [...train];
  const keep = new Set(shuffledIndices(train.length, createRng(`${seed}:bn-recalibration`)).slice(0, size));
  return train.filter((_, i) => keep.has(i));
}

/** Mean and biased variance over every row seen, merged batch by batch (Chan et al.'s pairwise update, in float64). */
export class PooledMoments implements BatchStatsCollector {
  rows = 0;
  mean: Float64Array | null = null;
  m2: Float64Array | null = null;

  add(mean: Float64Array, variance: Float64Array, rows: number): void {
    if (!this.mean || !this.m2) {
      this.mean = Float64Array.from(mean);
      this.m2 = variance.map((v) => v * rows);
      this.rows = rows;
      return;
    }
    const total = this.rows + rows;
    for (let c = 0; c < mean.length; c++) {
      const delta = mean[c] - this.mean[c];
      this.mean[c] += (delta * rows) / total;
      this.m2[c] += variance[c] * rows + (delta * delta * this.rows * rows) / total;
    }
    this.rows = total;
  }
}

export interface RecalibrationResult {
  layers: number;
  images: number;
  seconds: number;
}

/**
 * Recomputes the population statistics of `layerNames` over `sample`. Batches are of near-equal size (at most
 * `batchSize`), so no layer upstream is normalised with the statistics of a lone straggler image.
 */
export async function recalibrateBatchNorm(
  model: tfl.LayersModel, layerNames: readonly string[], ds: Dataset, sample: readonly number[], preprocess: PreprocessSpec, batchSize: number,
): Promise<RecalibrationResult> {
  const t0 = performance.now();
  const collectors = new Map<BatchNormalization, PooledMoments>();
  for (const name of layerNames) {
    const layer = model.getLayer(name);
    if (!(layer instanceof BatchNormalization)) throw new Error(`${name} is not medft's BatchNormalization layer`);
    collectors.set(layer, new PooledMoments());
  }
  if (collectors.size === 0 || sample.length === 0) return { layers: 0, images: 0, seconds: 0 };
  const size = Math.ceil(sample.length / Math.ceil(sample.length / batchSize));
  try {
    for (const [layer, c] of collectors) layer.collector = c;
    for await (const b of batches(ds, sample, { spec: preprocess, batchSize: size, seed: 0, shuffle: false, augment: false })) {
      // One call per batch: predict's own default batching (32) would normalise a 64-image batch as two.
      tf.tidy(() => { model.predict(tf.tensor4d(b.x, b.shape), { batchSize: b.shape[0] }); });
    }
  } finally {
    for (const layer of collectors.keys()) layer.collector = null;
  }
  for (const [layer, c] of collectors) {
    if (!c.mean || !c.m2) throw new Error(`BatchNorm layer ${layer.name} saw no batch during recalibration`);
    const { mean, variance } = movingStatistics(layer);
    const m = c.mean;
    const v = c.m2.map((s) => Math.max(0, s / c.rows));
    tf.tidy(() => {
      mean.write(tf.tensor1d(Float32Array.from(m)));
      variance.write(tf.tensor1d(Float32Array.from(v)));
    });
  }
  return { layers: collectors.size, images: sample.length, seconds: (performance.now() - t0) / 1000 };
}
