/**
 * The wasm backend's memory: one linear heap of at most 4 GiB (wasm32). A train step that outgrows it aborts deep in
 * wasm with no way back, so training checks its estimate first and fails early with a message that says what fits.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ResourceError } from '../errors.ts';

/** Emscripten's cap for the wasm32 heap of TF.js's build (getHeapMax). */
export const WASM_HEAP_MAX_BYTES = 4294901760;

/** Current size of the wasm heap (it only grows: this is also the high-water mark). */
export function wasmHeapBytes(): number {
  const backend = tf.findBackend('wasm') as unknown as { wasm?: { HEAPU8: Uint8Array } } | null;
  return backend?.wasm?.HEAPU8.byteLength ?? 0;
}

/**
 * Estimated peak wasm heap of a train step. Every layer's output is kept for the backward pass and each has a
 * gradient of the same size alive at some point; temporaries (im2col columns, transposes) add about as much again
 * at peak; weights exist as value, gradient and the next value. The factor is calibrated on ResNet-50's measured
 * high-water marks at 224 px, so that the estimate allows the largest batch that fits and refuses the next
 * (docs/engine.md#measurements-behind-the-code).
 */
export function estimateTrainingHeapBytes(model: tfl.LayersModel, batch: number): number {
  let activations = 0;
  for (const layer of model.layers) {
    const shapes = (Array.isArray((layer.outputShape as unknown[])[0]) ? layer.outputShape : [layer.outputShape]) as (number | null)[][];
    for (const s of shapes) activations += s.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);
  }
  const params = model.countParams();
  return 4 * (ACTIVATION_FACTOR * activations * batch + 3 * params) + BASE_BYTES;
}

const ACTIVATION_FACTOR = 2.35;
const BASE_BYTES = 64 * 2 ** 20;

export function maxBatchEstimate(model: tfl.LayersModel): number {
  const perImage = estimateTrainingHeapBytes(model, 1) - estimateTrainingHeapBytes(model, 0);
  return Math.max(0, Math.floor((WASM_HEAP_MAX_BYTES - estimateTrainingHeapBytes(model, 0)) / perImage));
}

/**
 * Throws a ResourceError before training when the wasm heap cannot hold a step at this batch size. With `engines`
 * data-parallel replicas, each engine's heap holds its share of the batch.
 */
export function assertTrainingFits(model: tfl.LayersModel, batch: number, what: string, engines = 1): void {
  if (tf.getBackend() !== 'wasm') return;
  const share = Math.ceil(batch / engines);
  const need = estimateTrainingHeapBytes(model, share);
  if (need <= WASM_HEAP_MAX_BYTES) return;
  const gib = (b: number) => (b / 2 ** 30).toFixed(1);
  const each = engines > 1 ? ` (${share} rows on each of ${engines} engines)` : '';
  const perEngine = maxBatchEstimate(model);
  // more engines, each with its own heap, hold the batch: the fewest that do (data-parallel replicas)
  const enough = perEngine > 0 ? Math.ceil(batch / perEngine) : 0;
  const replicas = enough > engines ? `, or --replicas ${enough} to split it over ${enough} engines with a heap each` : '';
  throw new ResourceError(
    `${what} at batch ${batch}${each} needs about ${gib(need)} GiB of wasm memory per engine, more than the 4 GiB the ` +
      `wasm backend can address: use --batch ${perEngine * engines} or less (or a smaller --size)${replicas}`,
  );
}
