/** Concat, Slice and SplitV on wasm (strided SIMD row copies, src/engine/kernels/copy-kernels.ts) against the cpu backend. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { onBackend, randomValues, useWasm } from '../helpers/backends.ts';

type Result = { shape: number[]; dtype: string; data: number[] };
const result = (t: tf.Tensor): Result => ({ shape: t.shape, dtype: t.dtype, data: Array.from(t.dataSync()) });

/** `op` on wasm and on cpu, on the same values; both must give the same shape, dtype and numbers. */
async function sameAsCpu(op: () => tf.Tensor) {
  const wasm = tf.tidy(() => result(op()));
  const cpu = await onBackend('cpu', () => tf.tidy(() => result(op())));
  assert.deepEqual(wasm, cpu);
}

const values = (shape: number[], seed: number, dtype: 'float32' | 'int32') => {
  const v = randomValues(shape.reduce((a, b) => a * b, 1), seed);
  return tf.tensor(dtype === 'int32' ? Int32Array.from(v, (x) => Math.round(x * 100)) : v, shape, dtype);
};

describe('copy kernels on wasm equal the cpu backend', () => {
  before(useWasm);

  const concats: Array<[number[][], number]> = [
    [[[2, 3, 4, 5], [2, 3, 4, 7]], 3], [[[2, 3, 4, 5], [2, 3, 4, 5], [2, 3, 4, 1]], -1], [[[2, 3, 4, 5], [2, 1, 4, 5]], 1],
    [[[2, 3, 4, 5], [3, 3, 4, 5]], 0], [[[6, 2], [6, 3]], 1], [[[7], [0], [2]], 0],
  ];
  for (const [shapes, axis] of concats) {
    for (const dtype of ['float32', 'int32'] as const) {
      it(`concat of ${JSON.stringify(shapes)} along ${axis} (${dtype})`, async () => {
        await sameAsCpu(() => tf.concat(shapes.map((s, i) => values(s, i + 1, dtype)), axis));
      });
    }
  }

  const slices: Array<[number[], number[], number[]]> = [
    [[4, 6, 6, 3], [0, 1, 1, 0], [4, 4, 4, 3]], // a padding's gradient
    [[3, 5, 7, 9], [1, 2, 3, 4], [2, 2, 3, 5]], [[3, 5, 7, 9], [0, 0, 0, 1], [-1, -1, -1, 1]],
    [[5, 8], [1, 2], [3, 5]], [[4, 5, 6], [1, 0, 2], [2, 5, 3]], [[2, 3, 2, 3, 4], [1, 1, 0, 1, 1], [1, 2, 2, 2, 2]],
    [[10], [3], [4]], [[4, 6, 6, 3], [1, 0, 0, 0], [2, 6, 6, 3]], // contiguous: the stock kernel
  ];
  for (const [shape, begin, size] of slices) {
    for (const dtype of ['float32', 'int32'] as const) {
      it(`slice of [${shape}] at [${begin}] size [${size}] (${dtype})`, async () => {
        await sameAsCpu(() => tf.slice(values(shape, 3, dtype), begin, size));
      });
    }
  }

  it('a bool concat and slice take the stock kernels', async () => {
    await sameAsCpu(() => tf.concat([tf.tensor([true, false], [1, 2], 'bool'), tf.tensor([false, true], [1, 2], 'bool')], 1));
    await sameAsCpu(() => tf.slice(tf.tensor([true, false, true, true], [2, 2], 'bool'), [0, 1], [2, 1]));
  });

  it('the gradient of a padding through tf.grads (Slice) equals cpu', async () => {
    await sameAsCpu(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), values([2, 7, 7, 3], 9, 'float32'))))(values([2, 5, 5, 3], 8, 'float32')));
  });
});
