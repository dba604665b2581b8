/**
 * The run-time estimate from measured step times, checked against a hand computation: per cell epochs × train ÷
 * batch steps plus (epochs + 1) × val + test forward images; the run takes max(sum ÷ workers, longest cell).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataKey, expandCells } from '../../src/experiment/cells.ts';
import { estimateRun, probeKey, probeShape, type SplitSizes, type StepTimes } from '../../src/experiment/estimate.ts';
import { parseExperiment } from '../../src/experiment/spec.ts';

const cells = expandCells(parseExperiment({
  name: 'e', datasets: [{ name: 'a', data: 'a.npz' }, { name: 'b', data: 'b.npz', subset: { train: 32 } }],
  models: [{ name: 'resnet50', inputSize: 64 }, 'tiny_cnn'], strategies: ['ft', 'lp'], epochs: 2, train: { batchSize: 16 },
}, 'e.yaml'), 'e.yaml');
const sizes = new Map<string, SplitSizes>();
for (const c of cells) sizes.set(dataKey(c), c.config.dataset.name === 'a' ? { train: 160, val: 20, test: 40 } : { train: 32, val: 8, test: 16 });
const times = new Map<string, StepTimes>([
  ['resnet50 64px b16', { stepSeconds: 2, forwardSecondsPerImage: 0.01 }],
  ['tiny_cnn 32px b16', { stepSeconds: 0.1, forwardSecondsPerImage: 0.001 }],
]);
// By hand: resnet50 × a: 2·10·2 + (3·20 + 40)·0.01 = 41; resnet50 × b: 2·2·2 + (3·8 + 16)·0.01 = 8.4;
// tiny_cnn × a: 2·10·0.1 + 100·0.001 = 2.1; tiny_cnn × b: 2·2·0.1 + 40·0.001 = 0.44; each for ft and lp.
const HAND: Record<string, number> = { 'a resnet50': 41, 'b resnet50': 8.4, 'a tiny_cnn': 2.1, 'b tiny_cnn': 0.44 };

describe('run-time estimate', () => {
  it('keys the probe by model, input size (the model\'s own by default) and batch size', () => {
    assert.deepEqual([...new Set(cells.map((c) => probeKey(probeShape(c))))], ['resnet50 64px b16', 'tiny_cnn 32px b16']);
  });

  it('times each cell by hand computation and the run as max(sum ÷ workers, longest cell)', () => {
    const e = estimateRun(cells, sizes, times, 2);
    assert.equal(e.cells.length, 8);
    for (const [i, c] of cells.entries()) {
      assert.equal(e.cells[i].id, c.id);
      assert.ok(Math.abs(e.cells[i].seconds - HAND[`${c.config.dataset.name} ${c.config.model.name}`]) < 1e-9, `${c.caseName} ${c.config.strategy.id}`);
    }
    const sum = 2 * (41 + 8.4 + 2.1 + 0.44);
    assert.ok(Math.abs(e.seconds - sum / 2) < 1e-9);
    assert.equal(e.workers, 2);
    assert.ok(Math.abs(estimateRun(cells, sizes, times, 1).seconds - sum) < 1e-9);
    assert.ok(Math.abs(estimateRun(cells, sizes, times, 4).seconds - 41) < 1e-9, 'no faster than the longest cell');
    assert.equal(estimateRun(cells, sizes, times, 100).workers, 8, 'never more workers than cells');
    assert.deepEqual(estimateRun([], sizes, times, 2), { cells: [], seconds: 0, workers: 1 });
  });
});
