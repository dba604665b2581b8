/**
 * BatchNorm recalibration ("precise BN") against independent computations: the pooled moments against the moments of
 * the concatenated rows; the recalibrated statistics against the layer inputs' moments computed on the cpu backend by
 * truncated models in inference mode; frozen layers bit for bit; and a short FT run whose results no longer depend on
 * the BatchNorm momentum (and still do without recalibration).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batches } from '../../src/data/index.ts';
import { buildPlan } from '../../src/strategies/index.ts';
import { PooledMoments, recalibrationSample } from '../../src/train/batch-norm-stats.ts';
import { resolveTrainConfig, type TrainConfigInput } from '../../src/train/config.ts';
import { train } from '../../src/train/loop.ts';
import { isBatchNorm } from '../../src/train/variables.ts';
import { onBackend, randomValues, useWasm } from '../helpers/backends.ts';
import { snapshot, syntheticDataset, tinyModel } from './fixtures.ts';

const ds = syntheticDataset(60);

async function run(strategy: string, epochs: number, cfg: TrainConfigInput) {
  const created = await tinyModel();
  const plan = buildPlan(strategy, { blocks: created.spec.blocks.map((b) => b.name), epochs, lr: 1e-2 }, {});
  const start = snapshot(created.model);
  const result = await train({
    ...created, plan, dataset: ds, split: ds.split,
    config: resolveTrainConfig({ batchSize: 8, evalBatchSize: 64, earlyStopping: { patience: 0, restoreBest: false }, ...cfg }),
  });
  return { ...created, start, end: snapshot(created.model), result };
}

/** Per-channel mean and biased variance of NHWC values, in float64. */
function moments(values: Float32Array, C: number): { mean: number[]; variance: number[] } {
  const rows = values.length / C;
  const mean = new Array<number>(C).fill(0);
  const variance = new Array<number>(C).fill(0);
  for (let i = 0; i < values.length; i++) mean[i % C] += values[i] / rows;
  for (let i = 0; i < values.length; i++) variance[i % C] += (values[i] - mean[i % C]) ** 2 / rows;
  return { mean, variance };
}

const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1e-3, Math.abs(b[i])));
  return m;
};

describe('BatchNorm recalibration', () => {
  before(useWasm);

  it('pools batch moments into the moments of all rows (Chan\'s update vs a direct computation)', () => {
    const C = 3;
    const sizes = [5, 1, 12, 7];
    const all = randomValues(sizes.reduce((a, b) => a + b) * C, 11).map((v, i) => v * (i % C + 1) + 10 * (i % C));
    const pooled = new PooledMoments();
    let at = 0;
    for (const n of sizes) {
      const m = moments(all.subarray(at * C, (at + n) * C), C);
      pooled.add(Float64Array.from(m.mean), Float64Array.from(m.variance), n);
      at += n;
    }
    const direct = moments(all, C);
    assert.ok(maxRel(pooled.mean!, direct.mean) < 1e-12);
    assert.ok(maxRel(pooled.m2!.map((s) => s / pooled.rows), direct.variance) < 1e-12);
  });

  it('samples a fixed, seeded subset of the training split (all of it when small)', () => {
    const train = Array.from({ length: 100 }, (_, i) => 3 * i);
    assert.deepEqual(recalibrationSample(train, 500, 0), train);
    const a = recalibrationSample(train, 20, 0);
    assert.equal(a.length, 20);
    assert.deepEqual(a, recalibrationSample(train, 20, 0));
    assert.notDeepEqual(a, recalibrationSample(train, 20, 1));
    assert.ok(a.every((i) => train.includes(i)) && a.every((v, i) => i === 0 || v > a[i - 1]));
  });

  it('recalibrated statistics are the moments of each layer\'s inputs over the sample, with the model in inference mode (cpu backend)', async () => {
    const { model, spec } = await run('ft', 1, { bnRecalibration: 1000 });
    const sample = ds.split.train; // all of it: one batch of 36 ≤ evalBatchSize
    const [b] = await (async () => { const out = []; for await (const x of batches(ds, sample, { spec: spec.preprocess, batchSize: sample.length, seed: 0, shuffle: false, augment: false })) out.push(x); return out; })();
    const layers = model.layers.filter(isBatchNorm);
    assert.equal(layers.length, 3);
    for (const layer of layers) {
      const input = layer.input as tfl.SymbolicTensor;
      const C = input.shape[3]!;
      const truncated = tfl.model({ inputs: model.inputs, outputs: input });
      const expected = await onBackend('cpu', () => tf.tidy(() => moments((truncated.predict(tf.tensor4d(b.x, b.shape)) as tf.Tensor).dataSync() as Float32Array, C)));
      const [movingMean, movingVariance] = layer.getWeights().slice(2).map((w) => w.dataSync());
      // The mean's error on the channel's own scale (its standard deviation): a mean near 0 has no relative precision.
      const meanErr = Math.max(...expected.mean.map((m, c) => Math.abs(movingMean[c] - m) / Math.sqrt(expected.variance[c])));
      assert.ok(meanErr < 1e-4, `${layer.name} mean off by ${meanErr} standard deviations`);
      assert.ok(maxRel(movingVariance, expected.variance) < 1e-4, `${layer.name} variance off by ${maxRel(movingVariance, expected.variance)}`);
    }
    model.dispose();
  });

  it('leaves the statistics of layers the strategy freezes bit for bit', async () => {
    const lp = await run('lp', 2, {});
    for (const [k, v] of lp.start) if (k.includes('moving_')) assert.deepEqual(lp.end.get(k), v, k);
    lp.model.dispose();
    // gu-lf over 3 epochs: the head, then block2 … the stem never trains.
    const gu = await run('gu-lf', 3, {});
    const moved = (k: string) => !gu.start.get(k)!.every((x, i) => x === gu.end.get(k)![i]);
    assert.ok(!moved('stem_bn/moving_mean') && !moved('stem_bn/moving_variance'));
    assert.ok(moved('block2_bn/moving_mean'));
    gu.model.dispose();
  });

  it('makes a short FT run independent of the BatchNorm momentum; without it the momentum changes the results', async () => {
    const val = async (bnMomentum: number, bnRecalibration: number | 'off') => {
      const r = await run('ft', 3, { bnMomentum, bnRecalibration });
      r.model.dispose();
      return { val: r.result.history.map((h) => h.val!.loss), train: r.result.history.map((h) => h.trainLoss) };
    };
    const [on99, on50, off99, off50] = [await val(0.99, 1000), await val(0.5, 1000), await val(0.99, 'off'), await val(0.5, 'off')];
    assert.deepEqual(on99.train, off50.train, 'the momentum must not change training itself');
    assert.deepEqual(on99.val, on50.val);
    assert.notDeepEqual(off99.val, off50.val);
    assert.ok(Math.abs(off99.val[0] - off50.val[0]) > 1e-3);
  });
});
