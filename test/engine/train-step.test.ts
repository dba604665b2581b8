/**
 * A full train step (forward, backward, Adam update) of a small ResNet-style network on wasm gives the same loss
 * trajectory and the same weights as the cpu backend, starting from identical weights on an identical batch.
 * Convs carry no bias: every conv here feeds a BatchNorm (directly or through pooling and 1×1 convs), which cancels it, so its true gradient is 0 and Adam would turn the
 * float noise of either backend into full-size steps, which no tolerance could compare.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { maxRelErr, useWasm } from '../helpers/backends.ts';
import { train } from '../helpers/small-resnet.ts';

describe('train step on wasm', () => {
  before(useWasm);
  it('matches the cpu backend step for step (loss and every weight)', async () => {
    await tf.setBackend('cpu');
    const ref = train(6);
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const got = train(6);
    assert.ok(got.losses[5] < got.losses[0] * 0.8, `loss should fall: ${got.losses.map((l) => l.toFixed(4))}`);
    for (let s = 0; s < 6; s++) {
      assert.ok(Math.abs(got.losses[s] - ref.losses[s]) <= 1e-4 * Math.abs(ref.losses[s]),
        `step ${s}: wasm loss ${got.losses[s]} vs cpu ${ref.losses[s]}`);
    }
    for (let i = 0; i < ref.weights.length; i++) {
      const err = maxRelErr(got.weights[i], ref.weights[i]);
      assert.ok(err <= 1e-3, `${got.names[i]}: max relative difference ${err}`);
    }
    assert.ok(tf.memory().numTensors - before < 200, 'no per-step tensor leak');
  });
});
