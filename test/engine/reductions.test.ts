/** The per-channel Sum/Mean fast path on wasm against the cpu backend, and the stock path for other axes. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { maxRelErr, randomValues, useWasm } from '../helpers/backends.ts';

const cases: Array<[shape: number[], axis: number[] | number, keepDims: boolean]> = [
  [[4, 7, 5, 9], [0, 1, 2], false], [[4, 7, 5, 9], [0, 1, 2], true], [[300, 17], 0, false], [[3, 4, 5], [1, 0], true],
  [[4, 7, 5, 9], [1, 2], false], [[6, 5], 1, false], [[2, 3, 4], [0, 1, 2], false],
];

describe('per-channel reductions on wasm', () => {
  before(useWasm);
  for (const [shape, axis, keepDims] of cases) {
    for (const op of ['sum', 'mean'] as const) {
      it(`${op} over ${JSON.stringify(axis)} of [${shape}]${keepDims ? ' keepDims' : ''}`, async () => {
        const run = () => tf.tidy(() => {
          const x = tf.tensor(randomValues(shape.reduce((a, b) => a * b), 4).map((v) => v + 3), shape);
          const y = op === 'sum' ? tf.sum(x, axis, keepDims) : tf.mean(x, axis, keepDims);
          return { shape: y.shape, values: y.dataSync() as Float32Array };
        });
        await tf.setBackend('cpu');
        const want = run();
        await tf.setBackend('wasm');
        const got = run();
        assert.deepEqual(got.shape, want.shape);
        assert.ok(maxRelErr(got.values, want.values) <= 1e-6, `relative error ${maxRelErr(got.values, want.values)}`);
      });
    }
  }
});
