/**
 * The loop's parts against hand computation (schedules, penalties, class-weighted loss, clipping, RGN rules) and the
 * loop's guarantees, on both step engines: same seed → same numbers, checkpoint/resume → the same final weights, early stopping restores
 * the best weights, a NaN loss stops with TrainingError.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { nativeStepUnavailable } from '../../src/engine/whole-step/index.ts';
import { TrainingError } from '../../src/errors.ts';
import { buildPlan } from '../../src/strategies/index.ts';
import { rgnMultipliers } from '../../src/train/auto-rgn.ts';
import { clipGlobalNorm } from '../../src/train/clip.ts';
import { resolveTrainConfig, type TrainConfigInput } from '../../src/train/config.ts';
import { crossEntropy } from '../../src/train/loss.ts';
import { train, type TrainArgs } from '../../src/train/loop.ts';
import { applyPenalty, penaltyTerm, StartingPoint } from '../../src/train/penalty.ts';
import { lrAt } from '../../src/train/schedule.ts';
import type { TrainVar } from '../../src/train/variables.ts';
import { useWasm } from '../helpers/backends.ts';
import { snapshot, syntheticDataset, tinyModel } from './fixtures.ts';

const ds = syntheticDataset(40);
/** Both step engines: TF.js, and the native whole-step engine where the addon is built. */
const ENGINES = [
  { name: 'tfjs', native: false, skip: false },
  { name: 'native', native: true, skip: nativeStepUnavailable({ accelerator: 'auto' }) ?? false },
] as const;
const close = (a: number, b: number, tol = 1e-6) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
/** Element-wise equality up to float32 rounding. */
const near = (a: ArrayLike<number>, b: number[]) => assert.ok(a.length === b.length && b.every((v, i) => close(a[i], v, 1e-7)), `${Array.from(a)} vs ${b}`);

async function run(strategy: string, epochs: number, cfg: TrainConfigInput = {}, extra: Partial<TrainArgs> = {}, overrides: Record<string, unknown> = {}) {
  const created = await tinyModel();
  const plan = buildPlan(strategy, { blocks: created.spec.blocks.map((b) => b.name), epochs, lr: 1e-2 }, overrides);
  const start = snapshot(created.model);
  const result = await train({
    ...created, plan, dataset: ds, split: ds.split, ...extra,
    config: resolveTrainConfig({ batchSize: 8, earlyStopping: { patience: 0, restoreBest: false }, ...cfg }),
  });
  const end = snapshot(created.model);
  created.model.dispose();
  return { start, end, result };
}

describe('training loop parts', () => {
  before(useWasm);

  it('schedules: constant, step, cosine with linear warm-up (hand values)', () => {
    const base = { warmupEpochs: 0, stepEpochs: 2, stepGamma: 0.1 };
    assert.equal(lrAt({ ...base, schedule: 'constant' }, 0.1, 7, 10, 5), 0.1);
    assert.deepEqual([0, 9, 10, 19, 20].map((s) => lrAt({ ...base, schedule: 'step' }, 1, s, 30, 5)), [1, 1, 0.1, 0.1, 0.1 ** 2]);
    const cos = (s: number) => lrAt({ ...base, schedule: 'cosine' }, 2, s, 10, 5);
    assert.equal(cos(0), 2);
    assert.ok(close(cos(5), 1));
    assert.ok(close(cos(9), 1 + Math.cos((Math.PI * 9) / 10)));
    // 1 warm-up epoch of 4 steps: lr·1/4 … lr, then cosine over the remaining 8 steps
    const w = (s: number) => lrAt({ ...base, schedule: 'cosine', warmupEpochs: 1 }, 1, s, 12, 4);
    assert.deepEqual([0, 1, 2, 3].map(w), [0.25, 0.5, 0.75, 1]);
    assert.equal(w(4), 1);
    assert.ok(close(w(8), 0.5));
  });

  it('L2-SP / L1-SP / head terms equal a hand computation, value and gradient', async () => {
    const w = Float32Array.from([1, -2, 0.5]);
    const w0 = Float32Array.from([0.5, -2, 1.5]);
    const g = Float32Array.from([0.1, 0.2, 0.3]);
    const out = new Float32Array(3);
    // (α/2)‖w−w⁰‖² = 0.3/2 · (0.25 + 0 + 1) ; grad g + α(w−w⁰)
    assert.ok(close(penaltyTerm('l2-sp', 0.3, w, w0, g, out), 0.1875));
    near(out, [0.25, 0.2, 0]);
    // α‖w−w⁰‖₁ = 0.3 · 1.5 ; subgradient α·sign, 0 where w = w⁰
    assert.ok(close(penaltyTerm('l1-sp', 0.3, w, w0, g, out), 0.45));
    near(out, [0.4, 0.2, 0]);
    // (β/2)‖w‖² = 0.1/2 · 5.25 ; grad g + βw
    assert.ok(close(penaltyTerm('head-l2', 0.1, w, null, g, out), 0.2625));
    near(out, [0.2, 0, 0.35]);

    // On tensors: a backbone tensor, the head kernel and the head bias (not penalised).
    const mk = (name: string, vals: number[], block: string, headKernel = false): TrainVar => ({ key: name, variable: tf.variable(tf.tensor1d(vals), true, `${name}${Math.random()}`), block, bn: false, headKernel });
    const vars = [mk('conv/kernel', [1, -2, 0.5], 'stem'), mk('head/kernel', [1, 2], 'head', true), mk('head/bias', [3], 'head')];
    const sp = StartingPoint.capture(vars);
    vars[0].variable.assign(tf.tensor1d([2, -2, 0]));
    const grads: Record<string, tf.Tensor> = { 'conv/kernel': tf.tensor1d([0, 0, 0]), 'head/kernel': tf.tensor1d([1, 1]), 'head/bias': tf.tensor1d([1]) };
    const value = applyPenalty({ kind: 'l2-sp', alpha: 2, beta: 0.5 }, vars, grads, sp);
    assert.ok(close(value, (2 / 2) * (1 + 0 + 0.25) + (0.5 / 2) * (1 + 4)));
    assert.deepEqual(Array.from(grads['conv/kernel'].dataSync()), [2, 0, -1]);
    assert.deepEqual(Array.from(grads['head/kernel'].dataSync()), [1.5, 2]);
    assert.deepEqual(Array.from(grads['head/bias'].dataSync()), [1]);
    tf.dispose([...Object.values(grads), ...vars.map((v) => v.variable)]);
  });

  it('with α large, L2-SP and L1-SP keep the backbone near w⁰ (far nearer than FT)', async () => {
    const drift = (r: Awaited<ReturnType<typeof run>>) => {
      let s = 0;
      let n = 0;
      for (const [k, v] of r.start) {
        if (!k.includes('_conv/kernel')) continue;
        const e = r.end.get(k)!;
        for (let i = 0; i < v.length; i++) { s += Math.abs(e[i] - v[i]); n++; }
      }
      return s / n;
    };
    const cfg = { augment: false, schedule: 'constant' } as const;
    const ft = drift(await run('ft', 3, cfg));
    const l2 = drift(await run('l2-sp', 3, cfg, {}, { alpha: 1000 }));
    const l1 = drift(await run('l1-sp', 3, cfg, {}, { alpha: 10 }));
    assert.ok(l2 < 0.25 * ft, `L2-SP drift ${l2} vs FT ${ft}`);
    assert.ok(l1 < 0.25 * ft, `L1-SP drift ${l1} vs FT ${ft}`);
  });

  it('class-weighted cross-entropy: Σ w_y·CE / Σ w_y (hand computation)', () => {
    const logits = tf.tensor2d([[2, 0], [0, 1], [1, 1]]);
    const y = Int32Array.from([0, 1, 1]);
    const ce = [Math.log(1 + Math.exp(-2)), Math.log(1 + Math.exp(-1)), Math.log(2)];
    assert.ok(close(crossEntropy(logits, y, 2).dataSync()[0], (ce[0] + ce[1] + ce[2]) / 3, 1e-6));
    const w = [3, 0.5];
    assert.ok(close(crossEntropy(logits, y, 2, w).dataSync()[0], (3 * ce[0] + 0.5 * ce[1] + 0.5 * ce[2]) / 4, 1e-6));
    logits.dispose();
  });

  it('clipping scales all gradients by clip/‖g‖ only above the clip', () => {
    const grads: Record<string, tf.Tensor> = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([4]) };
    assert.equal(clipGlobalNorm(grads, 10), 5);
    assert.deepEqual(Array.from(grads.a.dataSync()), [3, 0]);
    assert.equal(clipGlobalNorm(grads, 1), 5);
    assert.ok(close(grads.a.dataSync()[0], 0.6) && close(grads.b.dataSync()[0], 0.8));
    tf.dispose(Object.values(grads));
  });

  it('RGN multipliers: mean over probes / max; a zero-norm tensor keeps 1 and is left out of the max', () => {
    const m = rgnMultipliers(new Map([['a', [0.2, 0.4]], ['b', [0.1, 0.1]], ['zero-bias', [null, null]]]));
    assert.deepEqual([...m.keys()], ['a', 'b', 'zero-bias']);
    near([...m.values()], [1, 0.1 / 0.3, 1]);
  });
});

describe('training loop guarantees', () => {
  before(useWasm);

  for (const engine of ENGINES) {
    const on = engine.native ? { native: { winograd: true } } : {};
    it(`${engine.name}: same seed → identical losses, metrics and weights; another seed → another data order`, { skip: engine.skip }, async () => {
      const a = await run('ft', 2, { seed: 3 }, on);
      const b = await run('ft', 2, { seed: 3 }, on);
      const c = await run('ft', 2, { seed: 4 }, on);
      assert.equal(a.result.stepEngine.ran, engine.name);
      const strip = (h: typeof a.result.history) => h.map(({ seconds, imagesPerSec, bnRecalibration, ...rest }) => ({ ...rest, recalibrated: bnRecalibration && { layers: bnRecalibration.layers, images: bnRecalibration.images } }));
      assert.deepEqual(strip(a.result.history), strip(b.result.history));
      for (const [k, v] of a.end) assert.deepEqual(v, b.end.get(k), k);
      assert.notEqual(a.result.history[0].trainLoss, c.result.history[0].trainLoss);
    });

    for (const [strategy, epochs, stopAt, cfg] of [['lp-ft', 4, 3, {}], ['l2-sp', 3, 1, { optimizer: 'sgd' }], ['auto-rgn', 2, 1, { optimizer: 'adamw' }]] as const) {
      it(`${engine.name}, ${strategy}: an interrupted run resumed from its checkpoint ends with the same weights, bit for bit`, { skip: engine.skip }, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'medft-ckpt-'));
        try {
          const config = { ...cfg, earlyStopping: { patience: 2, restoreBest: true, monitor: 'val_accuracy' as const } };
          const full = await run(strategy, epochs, config, on);
          assert.equal(full.result.stepEngine.ran, engine.name);
          const part = await run(strategy, epochs, config, { ...on, checkpointDir: dir, stopAfterEpoch: stopAt });
          assert.equal(part.result.interrupted, true);
          const resumed = await run(strategy, epochs, config, { ...on, checkpointDir: dir, resume: true });
          assert.equal(resumed.result.resumedAt, stopAt);
          assert.equal(resumed.result.history.length, full.result.history.length);
          for (const [k, v] of full.end) assert.deepEqual(resumed.end.get(k), v, k);
          await assert.rejects(run(strategy, epochs, { ...config, seed: 9 }, { ...on, checkpointDir: dir, resume: true }), /different run/);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  }

  it('early stopping: patience ends the phase and the best epoch\'s weights are restored', async () => {
    let bestWeights: Map<string, Float32Array> | null = null;
    const created = await tinyModel();
    const plan = buildPlan('ft', { blocks: created.spec.blocks.map((b) => b.name), epochs: 12, lr: 1e-2 });
    const r = await train({
      ...created, plan, dataset: ds, split: ds.split,
      // Validation accuracy saturates on this easy data (the loss, with recalibrated BatchNorm, keeps falling), so patience 1 ends the phase.
      config: resolveTrainConfig({ batchSize: 8, augment: false, earlyStopping: { monitor: 'val_accuracy', patience: 1, restoreBest: true } }),
      events: { onEpochEnd: (rec) => { if (rec.best) bestWeights = snapshot(created.model); } },
    });
    const stopped = r.history.find((h) => h.stoppedPhase);
    assert.ok(stopped, `expected an early stop within 12 epochs: val losses ${r.history.map((h) => h.val?.loss.toFixed(4))}`);
    assert.ok(r.history.length < 12);
    assert.equal(r.bestEpoch, r.history.filter((h) => h.best).at(-1)!.epoch);
    for (const [k, v] of snapshot(created.model)) assert.deepEqual(v, bestWeights!.get(k), k);
    created.model.dispose();
  });

  it('a NaN loss stops the run with a TrainingError that names the epoch and the fix', async () => {
    const created = await tinyModel();
    const dense = created.model.getLayer('medft_head_dense');
    dense.setWeights([tf.fill(dense.getWeights()[0].shape, Number.NaN), dense.getWeights()[1]]);
    const plan = buildPlan('ft', { blocks: created.spec.blocks.map((b) => b.name), epochs: 1, lr: 1e-2 });
    await assert.rejects(
      train({ ...created, plan, dataset: ds, split: ds.split, config: resolveTrainConfig({ batchSize: 8 }) }),
      (e: unknown) => e instanceof TrainingError && /NaN at epoch 1, batch 1/.test(e.message) && /--lr/.test(e.message),
    );
    created.model.dispose();
  });
});
