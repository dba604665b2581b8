/**
 * The fused training-mode BatchNorm against TF.js's own composition (tf.moments + tf.batchNorm) on the cpu backend:
 * outputs, batch statistics and the gradients of x, γ and β under a random upstream gradient.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { batchNormTraining } from '../../src/engine/ops/batch-norm-training.ts';
import { maxRelErr, randomValues, useWasm } from '../helpers/backends.ts';

const EPS = 1.001e-5;
const shape = [4, 5, 3, 6];

function inputs() {
  const x = tf.tensor(randomValues(4 * 5 * 3 * 6, 11).map((v, i) => 2 + v * (1 + (i % 6))), shape);
  const gamma = tf.tensor1d(randomValues(6, 12).map((v) => 1 + v / 2));
  const beta = tf.tensor1d(randomValues(6, 13));
  const w = tf.tensor(randomValues(x.size, 14), shape);
  return { x, gamma, beta, w };
}

interface Outcome { y: ArrayLike<number>; mean: ArrayLike<number>; variance: ArrayLike<number>; grads: ArrayLike<number>[] }

/** Runs fn inside a tidy scope and returns its plain-number result. */
function scoped(fn: () => Outcome): Outcome {
  let out: Outcome | undefined;
  tf.tidy(() => {
    out = fn();
  });
  return out!;
}

function reference(): Outcome {
  return scoped(() => {
    const { x, gamma, beta, w } = inputs();
    const f = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(xi, [0, 1, 2]);
      return tf.sum(tf.mul(tf.batchNorm(xi, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, EPS), w));
    };
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const grads = tf.grads(f)([x, gamma, beta]);
    return {
      y: tf.batchNorm(x, mean, variance, beta, gamma, EPS).dataSync(),
      mean: mean.dataSync(), variance: variance.dataSync(), grads: grads.map((g) => g.dataSync()),
    };
  });
}

function fused(): Outcome {
  let stats: { mean: Float64Array; variance: Float64Array } | undefined;
  return scoped(() => {
    const { x, gamma, beta, w } = inputs();
    const f = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const r = batchNormTraining(xi, g as tf.Tensor1D, b as tf.Tensor1D, EPS);
      stats = { mean: r.mean, variance: r.variance };
      return tf.sum(tf.mul(r.y, w));
    };
    const grads = tf.grads(f)([x, gamma, beta]);
    const y = batchNormTraining(x, gamma, beta, EPS).y.dataSync();
    return { y, mean: stats!.mean, variance: stats!.variance, grads: grads.map((g) => g.dataSync()) };
  });
}

describe('batchNormTraining', () => {
  before(useWasm);
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`matches tf.moments + tf.batchNorm (values, statistics, gradients) on ${backend}`, async () => {
      await tf.setBackend('cpu');
      const want = reference();
      await tf.setBackend(backend);
      const got = fused();
      assert.ok(maxRelErr(got.y, want.y) < 1e-5, `y: ${maxRelErr(got.y, want.y)}`);
      assert.ok(maxRelErr(got.mean, want.mean) < 1e-6, 'mean');
      assert.ok(maxRelErr(got.variance, want.variance) < 1e-5, 'variance');
      ['x', 'gamma', 'beta'].forEach((name, i) =>
        assert.ok(maxRelErr(got.grads[i], want.grads[i]) < 1e-4, `d${name}: ${maxRelErr(got.grads[i], want.grads[i])}`));
    });
  }
});
