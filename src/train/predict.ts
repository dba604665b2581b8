/** Inference in batches: softmax probabilities of a model over dataset samples, in the given order, no augmentation. */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { batches, type Dataset, type PreprocessSpec } from '../data/index.ts';

export function outputClasses(model: tfl.LayersModel): number {
  const shape = model.outputs[0].shape;
  const k = shape[shape.length - 1];
  if (k == null) throw new Error('model output has no static class count');
  return k;
}

/** Softmax of the model's logits on an NHWC batch already preprocessed for it. */
export function probabilitiesOf(model: tfl.LayersModel, x: Float32Array, shape: [number, number, number, number]): Float32Array {
  return tf.tidy(() => {
    const logits = model.predict(tf.tensor4d(x, shape)) as tf.Tensor;
    return tf.softmax(logits).dataSync() as Float32Array;
  }).slice();
}

export async function predictDataset(
  model: tfl.LayersModel,
  ds: Dataset,
  indices: readonly number[],
  spec: PreprocessSpec,
  batchSize: number,
  onBatch?: (done: number, total: number) => void,
): Promise<{ probabilities: Float32Array; labels: Int32Array; indices: number[] }> {
  const k = outputClasses(model);
  const probabilities = new Float32Array(indices.length * k);
  const labels = new Int32Array(indices.length);
  const order: number[] = [];
  let n = 0;
  for await (const b of batches(ds, indices, { spec, batchSize, seed: 0, shuffle: false, augment: false })) {
    probabilities.set(probabilitiesOf(model, b.x, b.shape), n * k);
    labels.set(b.y.subarray(0, b.indices.length), n);
    order.push(...b.indices);
    n += b.indices.length;
    onBatch?.(n, indices.length);
  }
  // Samples skipped as undecodable (skipBad) shorten the result.
  return { probabilities: probabilities.subarray(0, n * k), labels: labels.subarray(0, n), indices: order };
}

/**
 * One split's per-image output as kept with a result: plain arrays, because it crosses the pool's IPC channel and
 * the Redis queue as JSON (typed arrays would not survive JSON). The probabilities are the float32 softmax values
 * widened to doubles, so the metrics recomputed from them equal the ones computed at the time.
 */
export interface SplitPredictions {
  numClasses: number;
  /** The dataset's id of each sample (Dataset.sampleId: path relative to the source, or `test[12]` for npz). */
  sampleIds: string[];
  labels: number[];
  /** Row-major n × numClasses. */
  probabilities: number[];
}

export function splitPredictions(ds: Dataset, p: { probabilities: Float32Array; labels: Int32Array; indices: number[] }): SplitPredictions {
  return {
    numClasses: p.labels.length ? p.probabilities.length / p.labels.length : ds.classNames.length,
    sampleIds: p.indices.map((i) => ds.sampleId(i)),
    labels: Array.from(p.labels),
    probabilities: Array.from(p.probabilities),
  };
}
