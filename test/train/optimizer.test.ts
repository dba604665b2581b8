/** medft's optimizers against TF.js's Adam and against hand computation; LR multipliers scale the update itself. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { Optimizer } from '../../src/train/optimizer.ts';
import { maxRelErr, randomValues, useWasm } from '../helpers/backends.ts';

const target = randomValues(12, 3);
/** loss = Σ (w − target)² · (1..12): gradients of different size per element */
const lossOf = (w: tf.Tensor) => tf.sum(tf.mul(tf.square(tf.sub(w, tf.tensor(target, [3, 4]))), tf.reshape(tf.range(1, 13), [3, 4])));

function runOurs(steps: number, make: () => Optimizer): Float32Array {
  const w = tf.variable(tf.tensor(randomValues(12, 1), [3, 4]), true, `w${Math.random()}`);
  const opt = make();
  for (let s = 0; s < steps; s++) {
    const { grads } = tf.variableGrads(() => lossOf(w) as tf.Scalar, [w]);
    opt.step({ [w.name]: grads[w.name] }, { [w.name]: w });
    tf.dispose(grads);
  }
  const out = w.dataSync().slice() as Float32Array;
  w.dispose();
  return out;
}

describe('Optimizer', () => {
  before(useWasm);
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`Adam equals tf.train.adam over 5 steps (${backend})`, async () => {
      await tf.setBackend(backend);
      const w = tf.variable(tf.tensor(randomValues(12, 1), [3, 4]));
      const ref = tf.train.adam(0.05, 0.9, 0.999, 1e-7);
      for (let s = 0; s < 5; s++) ref.minimize(() => lossOf(w) as tf.Scalar);
      const want = w.dataSync().slice();
      const got = runOurs(5, () => new Optimizer({ kind: 'adam', lr: 0.05, epsilon: 1e-7 }));
      assert.ok(maxRelErr(got, want) < 1e-5, `relative error ${maxRelErr(got, want)}`);
    });
  }

  it('a 0.5 multiplier moves a variable by half the Adam step of an identical variable', async () => {
    await tf.setBackend('wasm');
    const start = randomValues(12, 1);
    const a = tf.variable(tf.tensor(start, [3, 4]), true, 'half');
    const b = tf.variable(tf.tensor(start, [3, 4]), true, 'full');
    const opt = new Optimizer({ kind: 'adam', lr: 0.01 });
    opt.setLrMultiplier('half', 0.5);
    const { grads } = tf.variableGrads(() => tf.add(lossOf(a), lossOf(b)) as tf.Scalar, [a, b]);
    opt.step(grads, { half: a, full: b });
    const da = a.dataSync().map((v, i) => v - start[i]);
    const db = b.dataSync().map((v, i) => v - start[i]);
    for (let i = 0; i < 12; i++) assert.ok(Math.abs(da[i] - 0.5 * db[i]) < 1e-7, `element ${i}: ${da[i]} vs ${db[i]}`);
    assert.ok(db.every((d) => Math.abs(Math.abs(d) - 0.01) < 1e-4), 'first Adam step is ±lr per element');
  });

  it('SGD with momentum and AdamW follow their update rules (hand computation)', async () => {
    await tf.setBackend('wasm');
    const w0 = randomValues(12, 1);
    const grad = (w: ArrayLike<number>) => Array.from(w, (v, i) => 2 * (v - target[i]) * (i + 1));
    // SGD momentum 0.9, lr 0.01, two steps
    let w = Array.from(w0);
    let buf = new Array(12).fill(0);
    for (let s = 0; s < 2; s++) {
      const g = grad(w);
      buf = buf.map((b, i) => 0.9 * b + g[i]);
      w = w.map((v, i) => v - 0.01 * buf[i]);
    }
    const sgd = runOurs(2, () => new Optimizer({ kind: 'sgd', lr: 0.01, momentum: 0.9 }));
    assert.ok(maxRelErr(sgd, w) < 1e-5, `sgd ${maxRelErr(sgd, w)}`);
    // AdamW one step: w − lr·(m̂/(√v̂+ε)) − lr·wd·w with m̂ = g, v̂ = g²
    const g = grad(w0);
    const want = Array.from(w0, (v, i) => v - 0.1 * g[i] / (Math.abs(g[i]) + 1e-7) - 0.1 * 0.5 * v);
    const adamw = runOurs(1, () => new Optimizer({ kind: 'adamw', lr: 0.1, weightDecay: 0.5 }));
    assert.ok(maxRelErr(adamw, want) < 1e-5, `adamw ${maxRelErr(adamw, want)}`);
  });
});
