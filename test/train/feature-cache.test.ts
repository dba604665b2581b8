/**
 * Frozen-prefix feature caching: training on cached prefix outputs gives the weights of training the whole model
 * (lp, gu-lf), the cache follows the frozen prefix as gradual unfreezing shrinks it, and it stays off when it cannot
 * be right (augmentation) or would not fit. The model split itself is checked on the branching backbones: suffix ∘
 * prefix equals the whole model at every block boundary.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { buildPlan } from '../../src/strategies/index.ts';
import { createModel } from '../../src/models/index.ts';
import { resolveTrainConfig, type TrainConfigInput } from '../../src/train/config.ts';
import { train, type FeatureCacheEvent, type TrainArgs } from '../../src/train/loop.ts';
import { splitModel } from '../../src/train/split-model.ts';
import { randomValues, useWasm } from '../helpers/backends.ts';
import { snapshot, syntheticDataset, tinyModel } from './fixtures.ts';

const ds = syntheticDataset(40);

async function run(strategy: string, epochs: number, featureCache: TrainArgs['featureCache'], cfg: TrainConfigInput = {}, overrides: Record<string, unknown> = {}) {
  const created = await tinyModel();
  const plan = buildPlan(strategy, { blocks: created.spec.blocks.map((b) => b.name), epochs, lr: 1e-2 }, overrides);
  const cacheEvents: FeatureCacheEvent[] = [];
  const result = await train({
    ...created, plan, dataset: ds, split: ds.split, featureCache,
    config: resolveTrainConfig({ batchSize: 8, augment: false, earlyStopping: { patience: 0, restoreBest: false }, ...cfg }),
    events: { onFeatureCache: (e) => cacheEvents.push(e) },
  });
  const end = snapshot(created.model);
  created.model.dispose();
  return { end, result, cacheEvents };
}

function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  assert.deepEqual([...a.keys()], [...b.keys()]);
  let m = 0;
  for (const [key, x] of a) {
    const y = b.get(key)!;
    for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  }
  return m;
}

describe('feature cache', () => {
  before(async () => { await useWasm(); });

  it('lp caches by default even when the run augments (its phase has augmentation off)', async () => {
    const r = await run('lp', 1, undefined, { augment: true });
    assert.deepEqual(r.cacheEvents.map((e) => [e.epoch, e.action]), [[1, 'built']]);
  });

  it('lp over 2 epochs: the same weights and validation metrics with and without the cache', async () => {
    const off = await run('lp', 2, { enabled: false });
    const on = await run('lp', 2, { enabled: true });
    assert.ok(maxDiff(on.end, off.end) <= 1e-5, `max |Δw| ${maxDiff(on.end, off.end)}`);
    assert.deepEqual(off.cacheEvents, []);
    assert.deepEqual(on.cacheEvents.map((e) => [e.epoch, e.action, e.prefix.join(' ')]), [[1, 'built', 'stem block1 block2'], [2, 'reused', 'stem block1 block2']]);
    // 8×8×64 floats per sample at 16 px (two 2×2 poolings), for the 24 train + 8 val samples.
    assert.equal(on.cacheEvents[0].bytes, (ds.split.train.length + ds.split.val.length) * 4 * 4 * 64 * 4);
    assert.deepEqual(on.result.history.map((h) => h.cachedBlocks), [['stem', 'block1', 'block2'], ['stem', 'block1', 'block2']]);
    on.result.history.forEach((h, i) => {
      const v = off.result.history[i];
      assert.ok(Math.abs(h.trainLoss - v.trainLoss) < 1e-5 && Math.abs(h.val!.loss - v.val!.loss) < 1e-5, `epoch ${i + 1}`);
      assert.equal(h.val!.accuracy, v.val!.accuracy);
    });
  });

  it('gu-lf: the cache is rebuilt each time a block unfreezes and dropped once none is frozen; same weights', async () => {
    const off = await run('gu-lf', 5, { enabled: false });
    const on = await run('gu-lf', 5, { enabled: true });
    assert.ok(maxDiff(on.end, off.end) <= 1e-5, `max |Δw| ${maxDiff(on.end, off.end)}`);
    assert.deepEqual(on.cacheEvents.map((e) => [e.epoch, e.action, e.prefix.join(' ')]), [
      [1, 'built', 'stem block1 block2'],
      [2, 'built', 'stem block1'],
      [3, 'built', 'stem'],
    ]);
    assert.deepEqual(on.result.history.map((h) => h.cachedBlocks!.length), [3, 2, 1, 0, 0]);
  });

  it('stays off, saying why once, with augmentation on or when the features exceed the budget', async () => {
    // lp's own phase turns augmentation off by default; with it asked for, nothing is cached.
    const aug = await run('lp', 2, { enabled: true }, { augment: true }, { augment: true });
    assert.deepEqual(aug.cacheEvents.map((e) => [e.epoch, e.action]), [[1, 'off']]);
    assert.match(aug.cacheEvents[0].reason!, /augmentation/);
    const small = await run('lp', 2, { enabled: true, maxBytes: 1000 });
    assert.deepEqual(small.cacheEvents.map((e) => [e.epoch, e.action]), [[1, 'off']]);
    assert.match(small.cacheEvents[0].reason!, /budget/);
    const off = await run('lp', 2, { enabled: false });
    assert.ok(maxDiff(small.end, off.end) === 0);
  });

  for (const name of ['resnet50', 'densenet121']) {
    it(`${name}: suffix(prefix(x)) equals the model at every block boundary (Add / Concatenate branches)`, async () => {
      const { model, spec } = await createModel(name, { numClasses: 3, inputSize: 32, seed: 1, weights: null });
      try {
        const x = tf.tensor4d(randomValues(2 * 32 * 32 * 3, 5), [2, 32, 32, 3]);
        const whole = (model.predict(x) as tf.Tensor).dataSync();
        const backbone = spec.blocks.map((b) => b.name).filter((b) => b !== 'head');
        for (let n = 1; n <= backbone.length; n++) {
          const parts = splitModel(model, spec, backbone.slice(0, n));
          assert.ok(!('reason' in parts), `cut after ${backbone[n - 1]}: ${'reason' in parts ? parts.reason : ''}`);
          const y = tf.tidy(() => (parts.suffix.predict(parts.prefix.predict(x) as tf.Tensor) as tf.Tensor).dataSync());
          for (let i = 0; i < whole.length; i++) assert.ok(Math.abs(y[i] - whole[i]) <= 1e-4 * Math.max(1, Math.abs(whole[i])), `cut after ${backbone[n - 1]}: ${y[i]} vs ${whole[i]}`);
          // The suffix holds the model's own variables, so training it trains the model.
          const own = new Set(model.weights.map((w) => w.read().id));
          assert.ok(parts.suffix.weights.every((w) => own.has(w.read().id)));
        }
        x.dispose();
      } finally {
        model.dispose();
      }
    });
  }
});
