/**
 * Output scripts can consume: `medft report --json --quiet` (one JSON object, nothing on stderr, the same verdicts as
 * the report), errors still on stderr with --quiet, `medft export --json`, `medft run --dry-run --json` (the cells of
 * the grid), and the
 * results.csv columns a script needs to group cells (input size, batch size, weights, the LR kept, BatchNorm settings).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { evaluateClassification } from '../../src/eval/index.ts';
import { expandCells } from '../../src/experiment/cells.ts';
import { parseExperiment } from '../../src/experiment/spec.ts';
import { ResultsStore } from '../../src/experiment/store.ts';
import { tempDir } from '../data/fixtures.ts';

const bin = fileURLToPath(new URL('../../bin/medft.js', import.meta.url));
const medft = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
const dir = tempDir('medft-script-');
const raw = { name: 'script', datasets: ['breastmnist'], models: [{ name: 'tiny_cnn', inputSize: 16, weights: 'none' }], strategies: ['ft', 'lp'], lrGrid: [1e-3, 1e-2], seeds: [0], epochs: 2, train: { batchSize: 24 } };
const spec = parseExperiment(raw, 'script.yaml');
const cells = expandCells(spec, 'script.yaml');
const LABELS = Array.from({ length: 40 }, (_, i) => (i % 4 === 3 ? 0 : 1));
/** Validation accuracy per cell: the larger LR wins for ft, the smaller for lp. */
const valRight = (c: (typeof cells)[number]) => (c.config.strategy.id === 'ft' ? (c.config.lr > 5e-3 ? 36 : 30) : (c.config.lr > 5e-3 ? 28 : 33));

describe('output for scripts', () => {
  before(() => {
    const store = new ResultsStore(join(dir, 'results.db'));
    store.registerExperiment('exp', spec.name, 'script.yaml', spec, cells);
    for (const c of cells) {
      const right = valRight(c);
      const probabilities = LABELS.flatMap((y, i) => { const pTrue = i < right ? 0.8 : 0.3; return y === 1 ? [1 - pTrue, pTrue] : [pTrue, 1 - pTrue]; });
      const p = { numClasses: 2, sampleIds: LABELS.map((_, i) => `s${i}`), labels: LABELS, probabilities };
      const r = evaluateClassification(LABELS, probabilities, 2, { classNames: ['malignant', 'normal, benign'] });
      store.markRunning(c.id);
      store.recordDone(c.id, { val: r, test: r, bestEpoch: 2, history: [], timings: { total: 1 }, environment: { model: { name: 'tiny_cnn', inputSize: 16, params: 1 }, data: { source: 'x', method: 'official', classNames: ['malignant', 'normal, benign'], splits: { test: { size: 40, classCounts: [10, 30], sha256: 'ab'.repeat(32) } } } }, predictions: { val: p, test: p } });
    }
    store.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('medft report --json --quiet: one JSON object on stdout, nothing on stderr', () => {
    const r = medft(['report', dir, '--json', '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const out = JSON.parse(r.stdout);
    assert.equal(out.html, join(dir, 'report', 'index.html'));
    assert.equal(out.summaries.length, 1);
    // ft's best LR gives 36 of 40 on validation, lp's 33: ft is the strategy to use.
    assert.equal(out.summaries[0].best.strategy, 'ft');
    assert.equal(out.summaries[0].best.meanVal, 36 / 40);
    assert.ok(out.headline[0].startsWith('breastmnist × tiny_cnn: use ft '));
  });

  it('--quiet keeps errors on stderr', () => {
    const r = medft(['report', join(dir, 'nothing-here'), '--quiet']);
    assert.equal(r.status, 3);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^medft: .*no results\.db here/);
  });

  it('results.csv has input size, batch size, weights, the LR kept on validation and the BatchNorm settings', () => {
    // RFC 4180 fields (strategy_params is JSON with commas, so it is quoted).
    const fields = (l: string) => [...l.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].slice(0, -1).map((m) => (m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1]));
    const [head, ...rows] = readFileSync(join(dir, 'report', 'results.csv'), 'utf8').trim().split('\n').map(fields);
    const col = (row: string[], name: string) => row[head.indexOf(name)];
    assert.equal(rows.length, cells.length);
    for (const row of rows) {
      const c = cells.find((x) => x.id === row[0])!;
      assert.equal(Number(col(row, 'input_size')), 16);
      assert.equal(Number(col(row, 'batch_size')), 24);
      assert.equal(col(row, 'weights'), 'none');
      assert.equal(Number(col(row, 'bn_momentum')), c.config.train.bnMomentum);
      assert.equal(col(row, 'bn_recalibration'), String(c.config.train.bnRecalibration));
      assert.equal(Number(col(row, 'lr')), c.config.lr);
      assert.equal(Number(col(row, 'lr_chosen')), c.config.strategy.id === 'ft' ? 1e-2 : 1e-3);
    }
  });

  it('medft export --json: per case the model folder written, chosen on validation', () => {
    // A run that kept its models: export copies the chosen cell's folder (placeholder files stand in for a model).
    for (const c of cells) {
      mkdirSync(join(dir, 'cells', c.id), { recursive: true });
      writeFileSync(join(dir, 'cells', c.id, 'model.json'), JSON.stringify({ cell: c.id }));
    }
    const out = join(dir, 'exported');
    const r = medft(['export', dir, '--out', out, '--json', '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const [m, ...rest] = JSON.parse(r.stdout);
    assert.equal(rest.length, 0);
    // ft at LR 1e-2 has the best validation accuracy (36 of 40).
    const best = cells.find((c) => c.config.strategy.id === 'ft' && c.config.lr === 1e-2)!;
    assert.deepEqual([m.case, m.strategy, m.seed, m.cell, m.source, m.val], ['breastmnist × tiny_cnn', 'ft', 0, best.id, 'kept', 36 / 40]);
    assert.equal(JSON.parse(readFileSync(join(m.dir, 'model.json'), 'utf8')).cell, best.id);
  });

  it('medft run --dry-run --json lists the cells', () => {
    const file = join(dir, 'script.yaml');
    writeFileSync(file, JSON.stringify(raw));
    const r = medft(['run', file, '--out', dir, '--dry-run', '--no-probe', '--json', '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.cells.map((c: { id: string; status: string; lr: number }) => [c.id, c.status, c.lr]), expandCells(spec, file).map((c) => [c.id, 'done', c.config.lr]));
  });
});
