/**
 * BatchNorm in training mode (batch statistics) as one op with a closed-form gradient.
 *
 * TF.js's path (tf.moments + tf.batchNorm) differentiates through a chain of elementwise ops and a `Tile` of every
 * per-channel vector to the activation's shape, and wasm's `Tile` is slow (figures:
 * docs/engine.md#measurements-behind-the-code). Here the forward is y = x·a + b with per-channel a = γ/σ, b = β − μ·a,
 * and the backward is dx = dy·A + x·B + C with per-channel A, B, C from two channel sums (Σdy, Σdy·x):
 *   dβ = Σdy,  dγ = (Σdy·x − μ·Σdy)/σ,  dx = (γ/σ)·(dy − dβ/n − x̂·dγ/n).
 * On wasm the channel sums, y and dx are single SIMD passes over the heap (y in place of two broadcast ops, dx of
 * four); on other backends they are tf ops.
 * Under data-parallel replicas (src/train/data-parallel/) the caller passes `sync`, and the channel sums are summed
 * over the ranks first, so every replica normalises with the whole batch's statistics (synchronised BatchNorm) and
 * the step equals one engine's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchNormBackward, channelAffine, channelSumsAndDots } from '../kernels/channel-ops.ts';
import { offsetOf, type WasmBackend } from '../kernels/wasm-heap.ts';

export interface BatchNormTrainingResult {
  y: tf.Tensor;
  /** Batch mean and (biased) variance per channel, for the caller's moving averages. */
  mean: Float64Array;
  variance: Float64Array;
}

/** Per-channel Σa and Σa·b over all leading axes. */
function sumsAndDots(a: tf.Tensor, b: tf.Tensor): [Float64Array, Float64Array] {
  const C = a.shape[a.shape.length - 1];
  const rows = a.size / C;
  if (tf.getBackend() === 'wasm') {
    const backend = tf.backend() as unknown as WasmBackend;
    return channelSumsAndDots(backend, offsetOf(backend, a), offsetOf(backend, b), rows, C);
  }
  const axes = a.shape.slice(0, -1).map((_, i) => i);
  const [s, d] = tf.tidy(() => [tf.sum(a, axes).dataSync(), tf.sum(tf.mul(a, b), axes).dataSync()]);
  return [Float64Array.from(s), Float64Array.from(d)];
}

const vec = (v: Float64Array) => tf.tensor1d(Float32Array.from(v));

/** Sums per-channel statistics over data-parallel ranks, in place (every rank calls it at the same point). */
export interface CrossReplicaSums {
  ranks: number;
  allReduce(parts: Float64Array[]): void;
}

/** The channel sums of this rank's rows → those of the whole batch, and the whole batch's row count. */
function overRanks(parts: Float64Array[], rows: number, sync: CrossReplicaSums | undefined): number {
  if (!sync) return rows;
  const n = Float64Array.of(rows);
  sync.allReduce([...parts, n]);
  return n[0];
}

/** `sync`: this rank's part of a data-parallel step (absent: the batch is all here). */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, sync?: CrossReplicaSums): BatchNormTrainingResult {
  const C = x.shape[x.shape.length - 1];
  const [sum, sumSq] = sumsAndDots(x, x);
  const n = overRanks([sum, sumSq], x.size / C, sync);
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  const rstd = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    mean[c] = sum[c] / n;
    variance[c] = Math.max(0, sumSq[c] / n - mean[c] * mean[c]);
    rstd[c] = 1 / Math.sqrt(variance[c] + epsilon);
  }
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const gv = g.dataSync();
    const bv = b.dataSync();
    const scale = new Float64Array(C);
    const shift = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      scale[c] = gv[c] * rstd[c];
      shift[c] = bv[c] - mean[c] * scale[c];
    }
    const value = tf.getBackend() === 'wasm'
      ? tf.engine().makeTensorFromTensorInfo(channelAffine(tf.backend() as unknown as WasmBackend, xIn,
        Float32Array.from(scale), Float32Array.from(shift)))
      : tf.tidy(() => tf.add(tf.mul(xIn, vec(scale)), vec(shift)));
    save([xIn, g]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, gs] = saved;
        const [sumDy, sumDyX] = sumsAndDots(dy as tf.Tensor, xs);
        if (sync) sync.allReduce([sumDy, sumDyX]);
        const gSaved = gs.dataSync();
        const dGamma = new Float64Array(C);
        const A = new Float64Array(C);
        const B = new Float64Array(C);
        const K = new Float64Array(C);
        for (let c = 0; c < C; c++) {
          dGamma[c] = (sumDyX[c] - mean[c] * sumDy[c]) * rstd[c];
          A[c] = gSaved[c] * rstd[c];
          B[c] = -A[c] * rstd[c] * dGamma[c] / n;
          K[c] = -A[c] * sumDy[c] / n - B[c] * mean[c];
        }
        const dx = tf.getBackend() === 'wasm'
          ? tf.engine().makeTensorFromTensorInfo(batchNormBackward(tf.backend() as unknown as WasmBackend,
            dy as tf.Tensor, xs, Float32Array.from(A), Float32Array.from(B), Float32Array.from(K)))
          : tf.tidy(() => tf.add(tf.add(tf.mul(dy as tf.Tensor, vec(A)), tf.mul(xs, vec(B))), vec(K)));
        // Every rank holds the whole batch's dγ and dβ; the replicas' gradients are summed, so each gives its share.
        if (sync) for (let c = 0; c < C; c++) { dGamma[c] /= sync.ranks; sumDy[c] /= sync.ranks; }
        return [dx, vec(dGamma), vec(sumDy)];
      },
    };
  });
  return { y: op(x, gamma, beta) as tf.Tensor, mean, variance };
}
