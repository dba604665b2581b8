/** One seed fixes a model's random initial weights and its dropout masks; masks still change from step to step. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { buildModel } from '../../src/models/index.ts';
import { SeededDropout } from '../../src/models/dropout-layer.ts';
import { useWasm } from '../helpers/backends.ts';

const weightsOf = (seed: number) => {
  const { model } = buildModel('tiny_cnn', { numClasses: 3, inputSize: 16, seed });
  const values = model.getWeights().map((w) => Array.from(w.dataSync()));
  model.dispose();
  return values;
};

describe('seeded initialisation and dropout', () => {
  before(useWasm);
  it('the same seed builds the same random weights; another seed builds others', () => {
    const a = weightsOf(7);
    const b = weightsOf(7);
    const c = weightsOf(8);
    assert.deepEqual(a, b);
    const kernels = a.filter((w) => w.some((v) => v !== 0 && v !== 1));
    assert.ok(kernels.length >= 2, 'the model has random kernels');
    assert.notDeepEqual(a, c);
  });

  it('dropout draws a new mask each training call, the same sequence for the same seed, none in inference', () => {
    const x = tf.ones([1, 64]);
    const masks = (seed: number) => {
      const layer = new SeededDropout({ rate: 0.5, seed });
      return [0, 1, 2].map(() => Array.from((layer.apply(x, { training: true }) as tf.Tensor).dataSync()));
    };
    const [m1, m2, m3] = masks(3);
    assert.notDeepEqual(m1, m2);
    assert.notDeepEqual(m2, m3);
    assert.deepEqual(masks(3), [m1, m2, m3]);
    assert.ok(m1.every((v) => v === 0 || v === 2), 'kept units are scaled by 1/(1−rate)');
    const inference = new SeededDropout({ rate: 0.5, seed: 3 }).apply(x, { training: false }) as tf.Tensor;
    assert.deepEqual(Array.from(inference.dataSync()), Array(64).fill(1));
  });
});
