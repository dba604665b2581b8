/**
 * Frozen BatchNorm while training (src/engine/ops/batch-norm-frozen.ts): the forward is TF.js's batchNorm bit for
 * bit, and the input gradient equals TF.js's own batchNorm gradient computed on the cpu backend.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { batchNormFrozen } from '../../src/engine/ops/batch-norm-frozen.ts';
import { maxRelErr, onBackend, randomValues, useWasm } from '../helpers/backends.ts';

const EPS = 1.001e-5;
const shape = [3, 5, 4, 7];
const n = 3 * 5 * 4 * 7;

/** Output and d(Σ y·w)/dx of `bn` with fixed per-channel statistics, as plain arrays. */
function run(bn: typeof batchNormFrozen, withGamma: boolean): { y: Float32Array; dx: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor(randomValues(n, 1).map((v, i) => 1 + v * (1 + (i % 7))), shape);
    const w = tf.tensor(randomValues(n, 2), shape);
    const mean = tf.tensor1d(randomValues(7, 3));
    const variance = tf.tensor1d(randomValues(7, 4).map((v) => 0.5 + Math.abs(v)));
    const beta = tf.tensor1d(randomValues(7, 5));
    const gamma = withGamma ? tf.tensor1d(randomValues(7, 6).map((v) => 1 + v)) : null;
    const y = bn(x, mean, variance, beta, gamma, EPS);
    const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(bn(xi, mean, variance, beta, gamma, EPS), w)))(x);
    return { y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array };
  });
}

/** TF.js's own op; without γ it gets ones (its wasm gradient cannot save an absent input). */
const stock: typeof batchNormFrozen = (x, mean, variance, beta, gamma, eps) => tf.batchNorm(x, mean, variance, beta ?? undefined, gamma ?? tf.onesLike(mean), eps);

describe('frozen BatchNorm', () => {
  before(useWasm);

  for (const withGamma of [true, false]) {
    it(`forward equals tf.batchNorm and dx equals TF.js's gradient on cpu (${withGamma ? 'with' : 'without'} γ)`, async () => {
      const ours = run(batchNormFrozen, withGamma);
      const wasmStock = run(stock, withGamma);
      assert.deepEqual(ours.y, wasmStock.y);
      const reference = await onBackend('cpu', () => run(stock, withGamma));
      const err = maxRelErr(ours.dx, reference.dx);
      assert.ok(err < 1e-6, `dx max relative error ${err}`);
      assert.ok(reference.dx.some((v) => Math.abs(v) > 0.1), 'the reference gradient is not trivially zero');
    });
  }
});
