/**
 * Each strategy carried out by the loop on tiny_cnn, checked against its definition: what changes, what stays
 * bit-identical, which LR and multipliers apply (wasm backend, a few steps each).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { batches } from '../../src/data/index.ts';
import { buildPlan } from '../../src/strategies/index.ts';
import { resolveTrainConfig, type TrainConfigInput } from '../../src/train/config.ts';
import { train, type TrainEvents } from '../../src/train/loop.ts';
import { Optimizer } from '../../src/train/optimizer.ts';
import { useWasm } from '../helpers/backends.ts';
import { snapshot, syntheticDataset, tinyModel } from './fixtures.ts';

const ds = syntheticDataset(40);
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
const BASE_LR = 1e-2;

async function run(strategy: string, epochs: number, overrides: Record<string, unknown> = {}, events?: (m: tfl.LayersModel) => TrainEvents, cfg: TrainConfigInput = {}) {
  const created = await tinyModel();
  const plan = buildPlan(strategy, { blocks: created.spec.blocks.map((b) => b.name), epochs, lr: BASE_LR }, overrides);
  const start = snapshot(created.model);
  const result = await train({
    ...created, plan, dataset: ds, split: ds.split, events: events?.(created.model),
    config: resolveTrainConfig({ batchSize: 8, augment: false, earlyStopping: { patience: 0, restoreBest: false }, ...cfg }),
  });
  const end = snapshot(created.model);
  created.model.dispose();
  return { ...created, plan, start, end, result };
}

/** Block of a tiny_cnn weight name (`stem_conv/kernel` → stem). */
const blockOf = (name: string) => /^(stem|block1|block2)_/.exec(name)?.[1] ?? 'head';
const isBn = (name: string) => name.includes('_bn/');

describe('strategies carried out by the loop', () => {
  before(useWasm);

  it('lp: every backbone weight and BN moving statistic is bit-identical after training; the head moved', async () => {
    const { start, end } = await run('lp', 2);
    let backbone = 0;
    for (const [name, w] of start) {
      if (blockOf(name) === 'head') assert.ok(!same(w, end.get(name)!), `${name} should have trained`);
      else { assert.ok(same(w, end.get(name)!), `${name} changed`); backbone++; }
    }
    assert.equal(backbone, 15); // 3 × (conv kernel + γ, β, moving mean, moving variance)
  });

  for (const id of ['gu-lf', 'gu-fl'] as const) {
    it(`${id}: each epoch trains exactly the scheduled blocks, in order, and only those move`, async () => {
      const want = id === 'gu-lf'
        ? ['head', 'block2,head', 'block1,block2,head', 'stem,block1,block2,head', 'stem,block1,block2,head']
        : ['stem,head', 'stem,block1,head', 'stem,block1,block2,head', 'stem,block1,block2,head', 'stem,block1,block2,head'];
      const seen: string[] = [];
      const moved: string[] = [];
      const order = ['stem', 'block1', 'block2', 'head'];
      await run(id, 5, {}, (model) => {
        let before = new Map<string, Float32Array>();
        return {
          onEpochStart: (i) => { seen.push(i.trainableBlocks.join(',')); before = snapshot(model); },
          onEpochEnd: () => {
            const changed = new Set([...snapshot(model)].filter(([k, v]) => !same(v, before.get(k)!)).map(([k]) => blockOf(k)));
            moved.push(order.filter((b) => changed.has(b)).join(','));
          },
        };
      });
      assert.deepEqual(seen, want);
      assert.deepEqual(moved, want);
    });
  }

  it('lp-ft: the FT phase starts from the LP-trained head, at the lower LR, with a fresh optimizer', async () => {
    const log: string[] = [];
    const origReset = Optimizer.prototype.resetState;
    Optimizer.prototype.resetState = function (this: Optimizer) { log.push('reset'); return origReset.call(this); };
    const lrs: { epoch: number; lr: number }[] = [];
    let afterLp: Map<string, Float32Array> | null = null;
    let ftStart: Map<string, Float32Array> | null = null;
    let end: Map<string, Float32Array> | null = null;
    try {
      await run('lp-ft', 4, {}, (model) => ({
        onEpochStart: (i) => { log.push(`start ${i.epoch}`); if (i.epoch === 3) ftStart = snapshot(model); },
        onEpochEnd: (r) => { if (r.epoch === 2) afterLp = snapshot(model); if (r.epoch === 4) end = snapshot(model); },
        onBatch: (b) => lrs.push({ epoch: b.epoch, lr: b.lr }),
      }), { schedule: 'constant' });
    } finally {
      Optimizer.prototype.resetState = origReset;
    }
    for (const [k, v] of afterLp!) assert.ok(same(v, ftStart!.get(k)!), `${k}: FT must start from the LP result`);
    assert.ok(!same(afterLp!.get('medft_head_dense/kernel')!, (await tinyModel()).model.getLayer('medft_head_dense').getWeights()[0].dataSync() as Float32Array));
    assert.ok(lrs.filter((x) => x.epoch <= 2).every((x) => x.lr === BASE_LR * 10), 'LP at base × 10');
    assert.ok(lrs.filter((x) => x.epoch > 2).every((x) => x.lr === BASE_LR), 'FT at base');
    assert.deepEqual(log, ['reset', 'start 1', 'start 2', 'reset', 'start 3', 'start 4'], 'optimizer reset at each phase start only');
    // Default ftBn 'eval': BN statistics and γ/β stay as pretrained through FT while the convs move.
    const bnKeys = [...end!.keys()].filter((k) => /_bn\//.test(k));
    assert.ok(bnKeys.length >= 12);
    for (const k of bnKeys) assert.ok(same(end!.get(k)!, ftStart!.get(k)!), `${k} moved during FT`);
    assert.ok(!same(end!.get('stem_conv/kernel')!, ftStart!.get('stem_conv/kernel')!));
  });

  it('auto-rgn: multipliers equal ‖g‖/‖w‖ / max over tensors computed independently; BN untouched; Adam reset every epoch', async () => {
    const got: Map<string, number>[] = [];
    const log: string[] = [];
    const origReset = Optimizer.prototype.resetState;
    Optimizer.prototype.resetState = function (this: Optimizer) { log.push('reset'); return origReset.call(this); };
    let weightsAtEpoch2: Map<string, Float32Array> | null = null;
    let r: Awaited<ReturnType<typeof run>>;
    try {
      r = await run('auto-rgn', 2, { probeBatches: 2 }, (model) => ({
        onEpochStart: (i) => { log.push(`start ${i.epoch}`); if (i.epoch === 2) weightsAtEpoch2 = snapshot(model); },
        onRgn: (i) => { log.push(`rgn ${i.epoch}`); got.push(i.multipliers); },
      }));
    } finally {
      Optimizer.prototype.resetState = origReset;
    }
    // The phase-start reset, then one reset between each epoch's probe and its first step.
    assert.deepEqual(log, ['reset', 'start 1', 'reset', 'rgn 1', 'start 2', 'reset', 'rgn 2']);
    // BN excluded from the multipliers; every BN tensor (γ, β, moving statistics) bit-identical after training.
    assert.deepEqual([...got[0].keys()].sort(), ['block1_conv/kernel', 'block2_conv/kernel', 'medft_head_dense/bias', 'medft_head_dense/kernel', 'stem_conv/kernel']);
    for (const [k, v] of r!.start) if (isBn(k)) assert.ok(same(v, r!.end.get(k)!), `${k} changed`);
    // Independent computation for epoch 2: TF.js's own softmax cross-entropy and tf.norm, on the first 2 batches.
    const check = await tinyModel();
    const m = check.model;
    const vals = weightsAtEpoch2!;
    m.weights.forEach((w) => w.write(tf.tensor(vals.get(w.originalName)!, w.shape as number[])));
    for (const l of m.layers) if (l.getClassName() === 'BatchNormalization') l.trainable = false;
    const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
    const sums = new Map<string, number>();
    let n = 0;
    for await (const b of batches(ds, ds.split.train, { spec: check.spec.preprocess, batchSize: 8, seed: 0, epoch: 1, shuffle: true, augment: false })) {
      if (n++ === 2) break;
      const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(b.y, 'int32'), 2), m.apply(tf.tensor4d(b.x, b.shape), { training: true }) as tf.Tensor) as tf.Scalar, vars);
      m.trainableWeights.forEach((w) => {
        const ratio = tf.norm(grads[(w.read() as tf.Variable).name]).dataSync()[0] / tf.norm(w.read()).dataSync()[0];
        sums.set(w.originalName, (sums.get(w.originalName) ?? 0) + ratio / 2);
      });
      tf.dispose(Object.values(grads));
    }
    const max = Math.max(...sums.values());
    for (const [k, v] of sums) {
      assert.ok(Math.abs(got[1].get(k)! - v / max) < 1e-4, `${k}: loop ${got[1].get(k)} vs independent ${v / max}`);
    }
    assert.equal(Math.max(...got[0].values()), 1);
    m.dispose();
  });
});
