/**
 * The per-channel heap passes on the oneDNN addon (native/src/channel_sums.cc, channel_passes.cc): the sums against the
 * float64 JS loop, the element-wise passes against the wasm SIMD loops (themselves tested against TF.js's ops in
 * heap-simd.test.ts and identity.test.ts), bit for bit.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  batchNormBackward, channelAffine, channelSums, channelSumsAndDots, reluGrad, setNativeChannelOps,
} from '../../src/engine/kernels/channel-ops.ts';
import type { WasmBackend } from '../../src/engine/kernels/wasm-heap.ts';
import { offsetOf } from '../../src/engine/kernels/wasm-heap.ts';
import { tryLoadOneDnn } from '../../src/engine/native/onednn.ts';
import { randomValues, useWasm } from '../helpers/backends.ts';

const { addon, reason } = tryLoadOneDnn();
const skip = process.env.MEDFT_ACCELERATOR === 'none'
  ? 'MEDFT_ACCELERATOR=none: native kernels switched off'
  : addon ? false : `native oneDNN addon absent: ${reason}`;
if (skip) console.log(`# native channel sums tests skipped: ${skip}`);

/** Σ_r a[r, c] and Σ_r a[r, c]·b[r, c] in JS numbers (float64), rows in order. */
function reference(a: Float32Array, b: Float32Array, rows: number, C: number): [Float64Array, Float64Array] {
  const sum = new Float64Array(C);
  const dot = new Float64Array(C);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      sum[c] += a[r * C + c];
      dot[c] += a[r * C + c] * b[r * C + c];
    }
  }
  return [sum, dot];
}

describe('native channel ops equal the float64 loop and the wasm SIMD loops bit for bit', { skip }, () => {
  before(async () => {
    await useWasm();
    setNativeChannelOps(addon);
  });
  const backend = () => tf.backend() as unknown as WasmBackend;

  // one thread below 65,536 floats, else channels split over the threads in blocks of 32, 8 and single channels
  for (const [rows, C] of [[1, 3], [37, 13], [4096, 96], [300, 257], [64, 2048]]) {
    it(`[${rows}, ${C}]: sums and dot products, and sums alone`, () => {
      const a = randomValues(rows * C, 1);
      const b = randomValues(rows * C, 2);
      const [ta, tb] = [tf.tensor2d(a, [rows, C]), tf.tensor2d(b, [rows, C])];
      try {
        const [sum, dot] = channelSumsAndDots(backend(), offsetOf(backend(), ta), offsetOf(backend(), tb), rows, C);
        const [wantSum, wantDot] = reference(a, b, rows, C);
        assert.deepEqual(sum, wantSum);
        assert.deepEqual(dot, wantDot);
        assert.deepEqual(channelSums(backend(), offsetOf(backend(), ta), rows, C), wantSum);
      } finally {
        tf.dispose([ta, tb]);
      }
    });
  }

  /** out of `op` with the wasm SIMD loops, then natively, as arrays. */
  function bothPaths(op: (b: WasmBackend) => tf.TensorInfo): [Float32Array, Float32Array] {
    const run = () => {
      const t = tf.engine().makeTensorFromTensorInfo(op(backend()));
      const v = t.dataSync() as Float32Array;
      t.dispose();
      return v;
    };
    setNativeChannelOps(null);
    try {
      return [run(), (setNativeChannelOps(addon), run())];
    } finally {
      setNativeChannelOps(addon);
    }
  }

  for (const [rows, C] of [[7, 5], [4096, 96], [300, 257]]) {
    it(`[${rows}, ${C}]: x·A + B, (dy·A + x·B) + K and dy·step(x) (with zeros, −0 and NaN)`, () => {
      const x = randomValues(rows * C, 3);
      x.set([0, -0, NaN, -1, 1]);
      const dy = randomValues(rows * C, 4);
      dy.set([-1, 2, 3, NaN]);
      const [A, B, K] = [5, 6, 7].map((seed) => randomValues(C, seed));
      const [xt, dyt] = [tf.tensor2d(x, [rows, C]), tf.tensor2d(dy, [rows, C])];
      try {
        for (const op of [
          (b: WasmBackend) => channelAffine(b, xt, A, B),
          (b: WasmBackend) => batchNormBackward(b, dyt, xt, A, B, K),
          (b: WasmBackend) => reluGrad(b, dyt, xt),
        ]) {
          const [wasm, nat] = bothPaths(op);
          assert.equal(nat.length, rows * C);
          for (let i = 0; i < nat.length; i++) assert.ok(Object.is(nat[i], wasm[i]), `${op}: [${i}] ${nat[i]} vs ${wasm[i]}`);
        }
      } finally {
        tf.dispose([xt, dyt]);
      }
    });
  }

  it('refuses a wrong result length, a range outside the heap and a non-integer shape with a clear error', () => {
    const heap = backend().wasm.HEAPU8.buffer as ArrayBuffer;
    const t = tf.tensor2d(randomValues(8, 3), [2, 4]);
    const at = 4 * offsetOf(backend(), t);
    try {
      assert.throws(() => addon!.channelSums(heap, at, at, 2, 4, new Float64Array(3), null), /sum must be a Float64Array of C elements/);
      assert.throws(() => addon!.channelSums(heap, at, at, 2, 4, new Float64Array(4), new Float64Array(5)), /dot must be/);
      assert.throws(() => addon!.channelSums(heap, heap.byteLength - 16, 0, 2, 4, new Float64Array(4), null), /outside|heap/);
      assert.throws(() => addon!.channelSums(heap, at, at, 1.5, 4, new Float64Array(4), null), /positive integers/);
      assert.throws(() => addon!.channelSums(heap, at, at, 0, 4, new Float64Array(4), null), /positive integers/);
      assert.throws(() => addon!.channelAffine(heap, at, at, 2, 4, new Float32Array(3), new Float32Array(4)), /A must be a Float32Array of C/);
      assert.throws(() => addon!.batchNormBackward(heap, at, at, heap.byteLength - 8, 2, 4, new Float32Array(4),
        new Float32Array(4), new Float32Array(4)), /outside|heap/);
      assert.throws(() => addon!.reluGrad(heap, at, at, at, -1), /n must be a positive integer/);
    } finally {
      t.dispose();
    }
  });
});
