/**
 * Auto-RGN's probe on tiny_cnn on the cpu backend: each tensor's relative gradient norm per probe batch, and the
 * multipliers, against gradients and norms computed directly; the probed batches come back in order for training.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { probeRgn } from '../../src/train/auto-rgn.ts';
import { crossEntropy } from '../../src/train/loss.ts';
import { randomValues } from '../helpers/backends.ts';
import { tinyModel } from './fixtures.ts';

interface Batch { x: tf.Tensor; y: Int32Array }

async function* each<T>(xs: T[]): AsyncGenerator<T> {
  for (const x of xs) yield x;
}

describe('Auto-RGN probe', () => {
  before(async () => { await tf.setBackend('cpu'); });

  it('RGN_i = ‖g_i‖/‖w_i‖ per probe batch and multiplier_i = mean RGN_i / max_j, as computed directly', async () => {
    const { model } = await tinyModel();
    const batches: Batch[] = [0, 1, 2, 3, 4].map((s) => ({
      x: tf.tensor(randomValues(4 * 16 * 16 * 3, 50 + s), [4, 16, 16, 3]),
      y: Int32Array.from([0, 1, 1, 0].map((c) => (c + s) % 2)),
    }));
    const trainable = model.trainableWeights.map((w) => ({ key: w.originalName, variable: w.read() as tf.Variable }));
    // A zero bias has no RGN (multiplier 1, left out of the max); a tensor the loss does not reach has RGN 0.
    const bias = trainable.find((v) => v.key.endsWith('bias'))!;
    bias.variable.assign(tf.zerosLike(bias.variable));
    const unreached = { key: 'unreached', variable: tf.variable(tf.ones([3])) };
    const vars = [...trainable, unreached];
    const gradientsOf = (b: Batch): Record<string, tf.Tensor> => {
      const { value, grads } = tf.variableGrads(() => crossEntropy(model.apply(b.x, { training: true }) as tf.Tensor, b.y, 2), trainable.map((v) => v.variable));
      value.dispose();
      return Object.fromEntries(trainable.map((v) => [v.key, grads[v.variable.name]]));
    };
    const values = () => vars.map((v) => Array.from(v.variable.dataSync()));
    const start = values();

    const it = each(batches);
    const probe = await probeRgn(it, 3, vars, (b) => gradientsOf(b));

    // The probed batches, in order, and the rest of the epoch after them; no trainable weight changed (BatchNorm's
    // moving statistics move, as in any forward pass in training mode, and training-mode outputs do not read them).
    assert.deepEqual(probe.probed, batches.slice(0, 3));
    assert.equal((await it.next()).value, batches[3]);
    assert.deepEqual(values(), start);

    // Directly: each batch's gradients once more, norms in float64.
    const norm = (t: tf.Tensor) => Math.hypot(...(t.dataSync() as Float32Array));
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.abs(b);
    const expected = new Map<string, (number | null)[]>(vars.map((v) => [v.key, []]));
    for (const b of batches.slice(0, 3)) {
      const g = gradientsOf(b);
      for (const v of vars) expected.get(v.key)!.push(!g[v.key] ? 0 : norm(v.variable) === 0 ? null : norm(g[v.key]) / norm(v.variable));
      tf.dispose(Object.values(g));
    }
    for (const v of vars) {
      const got = probe.rgn.get(v.key)!;
      const want = expected.get(v.key)!;
      assert.equal(got.length, 3, v.key);
      got.forEach((x, p) => assert.ok(x === want[p] || (x != null && want[p] != null && close(x, want[p]!)), `${v.key} probe ${p}: ${x} vs ${want[p]}`));
    }
    assert.deepEqual(probe.rgn.get(bias.key), [null, null, null]);
    assert.deepEqual(probe.rgn.get('unreached'), [0, 0, 0]);
    const mean = (xs: (number | null)[]) => (xs as number[]).reduce((a, b) => a + b, 0) / xs.length;
    const max = Math.max(...trainable.filter((v) => v !== bias).map((v) => mean(expected.get(v.key)!)));
    for (const v of vars) {
      const want = v === bias ? 1 : mean(expected.get(v.key)!) / max;
      assert.ok(close(probe.multipliers.get(v.key)!, want) || probe.multipliers.get(v.key) === want, `${v.key}: ${probe.multipliers.get(v.key)} vs ${want}`);
    }
    assert.equal(Math.max(...probe.multipliers.values()), 1);
    assert.equal(probe.multipliers.get('unreached'), 0);
    model.dispose();
  });

  it('an epoch shorter than the probe is probed whole', async () => {
    const w = { key: 'w', variable: tf.variable(tf.tensor1d([3, 4])) };
    const it = each([1, 2]);
    // Gradient (b, 0) for batch b: RGN = b / 5.
    const probe = await probeRgn(it, 5, [w], (b) => ({ w: tf.tensor1d([b, 0]) }));
    assert.deepEqual(probe.probed, [1, 2]);
    assert.deepEqual(probe.rgn.get('w'), [1 / 5, 2 / 5]);
    assert.deepEqual(probe.multipliers.get('w'), 1);
    assert.equal((await it.next()).done, true);
  });
});
