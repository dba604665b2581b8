/**
 * Pooling gradients on wasm against the cpu backend, including the cases TF.js 4.22's wasm MaxPoolGrad gets wrong;
 * AvgPoolGrad bit for bit.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { maxRelErr, randomValues, useWasm } from '../helpers/backends.ts';

const cases: Array<[h: number, w: number, k: number, s: number, pad: 'same' | 'valid']> = [
  [10, 10, 3, 2, 'same'], [10, 10, 3, 2, 'valid'], [11, 9, 3, 2, 'same'], [12, 12, 2, 2, 'valid'], [9, 9, 3, 1, 'same'],
  [7, 5, 2, 1, 'valid'],
];

function poolGrad(kind: 'max' | 'avg', [h, w, k, s, pad]: (typeof cases)[number], tieBreak: boolean): Float32Array {
  return tf.tidy(() => {
    // with tieBreak the input has many equal values, so "first maximum" must be honoured
    const values = randomValues(2 * h * w * 5, 5).map((v) => (tieBreak ? Math.round(v * 2) : v));
    const x = tf.tensor4d(values, [2, h, w, 5]);
    const pool = (t: tf.Tensor) => (kind === 'max' ? tf.maxPool(t as tf.Tensor4D, k, s, pad) : tf.avgPool(t as tf.Tensor4D, k, s, pad));
    const weights = tf.tensor(randomValues(pool(x).size, 9), pool(x).shape);
    return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t), weights)))(x).dataSync() as Float32Array;
  });
}

describe('pooling gradients on wasm vs cpu', () => {
  before(useWasm);
  for (const kind of ['max', 'avg'] as const) {
    for (const c of cases) {
      for (const tieBreak of kind === 'max' ? [false, true] : [false]) {
        it(`${kind}Pool ${c[2]}×${c[2]} s${c[3]} ${c[4]} on ${c[0]}×${c[1]}${tieBreak ? ' with ties' : ''}`, async () => {
          await tf.setBackend('cpu');
          const want = poolGrad(kind, c, tieBreak);
          await tf.setBackend('wasm');
          const got = poolGrad(kind, c, tieBreak);
          // medft's AvgPoolGrad does the cpu backend's arithmetic, so the same bits
          if (kind === 'avg') assert.deepEqual(got, want);
          else assert.ok(maxRelErr(got, want) <= 1e-6, `relative error ${maxRelErr(got, want)}`);
        });
      }
    }
  }
});
