/**
 * The report of an experiment with LR grids, from a store filled with chosen validation and test accuracies where
 * the LR best on validation is the worse one on test: the tables use the validation choice (ties → the smaller LR),
 * the choice does not move when the test results change, the "LR chosen on validation" table and report.md say so,
 * and results.csv still holds every candidate.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { evaluateClassification } from '../../src/eval/index.ts';
import { expandCells, type Cell } from '../../src/experiment/cells.ts';
import { parseExperiment } from '../../src/experiment/spec.ts';
import { ResultsStore } from '../../src/experiment/store.ts';
import { writeReport } from '../../src/report/index.ts';
import { loadReportData } from '../../src/report/load.ts';
import { selectLr } from '../../src/report/select-lr.ts';
import type { EpochRecord } from '../../src/train/loop.ts';
import { tempDir } from '../data/fixtures.ts';

const dir = tempDir('medft-lrgrid-');
const spec = parseExperiment({
  name: 'lrgrid', datasets: ['breastmnist'], models: ['tiny_cnn'], seeds: [0, 1], epochs: 1, lrGrid: [1e-4, 1e-3],
  strategies: ['ft', { id: 'lp', lrGrid: [1e-4, 1e-3, 1e-2] }, { id: 'l2-sp', lr: 1e-3 }],
}, 'lrgrid.yaml');
const cells = expandCells(spec, 'lrgrid.yaml');

/** [validation accuracy, test accuracy] per strategy, seed and LR; 'failed' for a candidate that failed. */
const PLAN: Record<string, Record<number, Record<number, [number, number] | 'failed'>>> = {
  // seed 0: 1e-4 wins on validation, though 1e-3 is far better on test; seed 1: a validation tie → the smaller LR
  ft: { 0: { 1e-4: [0.8, 0.6], 1e-3: [0.7, 0.9] }, 1: { 1e-4: [0.75, 0.65], 1e-3: [0.75, 0.85] } },
  lp: { 0: { 1e-4: [0.6, 0.9], 1e-3: [0.7, 0.5], 1e-2: [0.65, 0.95] }, 1: { 1e-4: [0.6, 0.8], 1e-3: [0.65, 0.7], 1e-2: 'failed' } },
  'l2-sp': { 0: { 1e-3: [0.5, 0.55] }, 1: { 1e-3: [0.5, 0.75] } },
};
/** What the report must use: the test accuracy of the LR best on validation, picked here by hand. */
const CHOSEN: Record<string, Record<number, { lr: number; test: number }>> = {
  ft: { 0: { lr: 1e-4, test: 0.6 }, 1: { lr: 1e-4, test: 0.65 } },
  lp: { 0: { lr: 1e-3, test: 0.5 }, 1: { lr: 1e-3, test: 0.7 } },
  'l2-sp': { 0: { lr: 1e-3, test: 0.55 }, 1: { lr: 1e-3, test: 0.75 } },
};

/** A 20-image split whose accuracy is exactly `acc`. */
function split(acc: number) {
  const labels = Array.from({ length: 20 }, (_, i) => i % 2);
  const right = Math.round(acc * 20);
  const probs = labels.map((y, i) => (i < right === (y === 1) ? [0.2, 0.8] : [0.8, 0.2]));
  return evaluateClassification(labels, probs, 2, { classNames: ['a', 'b'] });
}

function result(val: number, test: number) {
  const history: EpochRecord[] = [{
    epoch: 1, phase: 'ft', phaseIndex: 0, trainableBlocks: ['stem', 'head'], trainableTensors: 4, lrStart: 1e-4, lrEnd: 1e-4,
    trainLoss: 0.5, penalty: null, val: { loss: 0.6, accuracy: val, balancedAccuracy: val, macroF1: val, auc: 0.7 },
    monitor: val, best: true, stoppedPhase: false, images: 20, seconds: 1, imagesPerSec: 20,
  }];
  return { val: split(val), test: split(test), bestEpoch: 1, history, timings: { total: 1 }, environment: {} };
}

const planOf = (c: Cell) => PLAN[c.config.strategy.id][c.config.seed][c.config.lr];

describe('report with an LR grid', () => {
  let html = '';
  let md = '';
  before(async () => {
    const store = new ResultsStore(join(dir, 'results.db'));
    store.registerExperiment('exp', spec.name, 'lrgrid.yaml', spec, cells);
    for (const c of cells) {
      const p = planOf(c);
      store.markRunning(c.id);
      if (p === 'failed') store.recordFailed(c.id, 'TrainingError: NaN');
      else store.recordDone(c.id, result(p[0], p[1]));
    }
    store.close();
    const r = await writeReport(dir);
    html = readFileSync(r.htmlPath, 'utf8');
    md = readFileSync(r.markdownPath, 'utf8');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('uses the test accuracy of the LR best on validation (ties → smaller LR), not the best test accuracy', () => {
    assert.equal(cells.length, 2 * 2 + 3 * 2 + 2);
    const table = /<table id="table-main">([\s\S]*?)<\/table>/.exec(html)![1];
    const got = [...table.matchAll(/data-strategy="([^"]+)" data-mean="([^"]+)" data-n="(\d+)"/g)].map((m) => ({ strategy: m[1], mean: Number(m[2]), n: Number(m[3]) }));
    assert.deepEqual(got.map((g) => g.strategy).sort(), ['ft', 'l2-sp', 'lp'], 'one label per strategy, not one per LR');
    for (const g of got) {
      const want = (CHOSEN[g.strategy][0].test + CHOSEN[g.strategy][1].test) / 2;
      assert.equal(g.n, 2, `${g.strategy}: one cell per seed`);
      assert.ok(Math.abs(g.mean - want) < 1e-12, `${g.strategy}: ${g.mean} vs ${want}`);
    }
    const lr = /<table id="table-lr">([\s\S]*?)<\/table>/.exec(html)![1];
    const chosen = [...lr.matchAll(/data-strategy="([^"]+)" data-seed="(\d+)" data-lr="([^"]*)"/g)];
    assert.equal(chosen.length, 4, 'ft and lp × 2 seeds; l2-sp has a single lr and no grid');
    for (const m of chosen) assert.equal(Number(m[3]), CHOSEN[m[1]][Number(m[2])].lr, `${m[1]} seed ${m[2]}`);
    assert.match(lr, /0\.0001: 0\.600 · 0\.001: 0\.650 · 0\.01: failed/);
    const cellRows = /<table id="table-cells">([\s\S]*?)<\/table>/.exec(html)![1].match(/<tr><td/g)!;
    assert.equal(cellRows.length, 6, 'the cells table lists the chosen cells only');
  });

  it('never looks at test metrics: the choice is the same with the test results swapped or removed', () => {
    const data = loadReportData(dir);
    const chosenIds = (cs: typeof data.cells) => selectLr(cs, 'accuracy').cells.map((c) => c.id);
    const reference = chosenIds(data.cells);
    assert.deepEqual(chosenIds(data.cells.map((c) => ({ ...c, test: null }))), reference);
    assert.deepEqual(chosenIds(data.cells.map((c, i, all) => ({ ...c, test: all[(i + 1) % all.length].test }))), reference);
    assert.deepEqual(chosenIds(data.cells.map((c) => ({ ...c, val: null }))).length, 2, 'without validation values only the non-grid cells remain');
  });

  it('states the selection rule in report.md and keeps every candidate in results.csv', () => {
    assert.match(md, /LR grid: the LR of each \(dataset, model, strategy, seed\) is the grid candidate with the best validation accuracy \(ties → the smaller LR\)/);
    assert.match(md, /## LR chosen on validation/);
    const csv = readFileSync(join(dir, 'report', 'results.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 1 + cells.length);
  });
});
