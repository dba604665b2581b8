/**
 * `medft export` (src/report/best-model.ts): the choice is made on validation only (a hand-made case where the
 * validation winner loses on test), and on a real tiny run the exported model is the chosen cell trained again,
 * with the same test metrics as the run stored.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chooseBest } from '../../src/report/best-model.ts';
import { loadReportData, type ReportCell } from '../../src/report/load.ts';
import { sharedDataDir, tempDir } from '../data/fixtures.ts';
import { writeTinyGrid } from '../helpers/tiny-grid.ts';

const cell = (strategy: string, seed: number, val: number, test: number): ReportCell => ({
  id: `${strategy}-${seed}`, caseName: 'd × m', dataset: 'd', model: 'm', strategy, label: strategy, seed, status: 'done',
  val: { accuracy: val }, test: { accuracy: test },
} as unknown as ReportCell);

describe('best model per case', () => {
  it('is the best mean on validation, then its best seed, whatever the test split says', () => {
    const cells = [
      cell('a', 0, 0.80, 0.99), cell('a', 1, 0.60, 0.99), // mean val 0.70, best on test
      cell('b', 0, 0.70, 0.50), cell('b', 1, 0.75, 0.50), // mean val 0.725
      { ...cell('c', 0, 0.99, 0.99), status: 'failed' } as ReportCell, // not finished: ignored
    ];
    const [best] = chooseBest(cells, 'accuracy');
    assert.equal(best.strategy, 'b');
    assert.equal(best.cell.seed, 1);
    assert.equal(best.meanVal, 0.725);
    assert.equal(best.seeds, 2);
  });

  it('breaks ties towards the earlier strategy and the smaller seed', () => {
    const [best] = chooseBest([cell('a', 1, 0.7, 0), cell('a', 0, 0.7, 0), cell('b', 0, 0.7, 1)], 'accuracy');
    assert.equal(best.strategy, 'a');
    assert.equal(best.cell.seed, 0);
  });

  it('exports the chosen cell of a real run, trained again to the same test metrics', () => {
    const dir = tempDir('medft-export-');
    const env = { ...process.env, MEDFT_DATA_DIR: sharedDataDir(), MEDFT_ACCELERATOR_THREADS: '1', MEDFT_CACHE_DIR: join(dir, 'cache') };
    const bin = fileURLToPath(new URL('../../bin/medft.js', import.meta.url));
    const medft = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, timeout: 120_000 });
    const grid = writeTinyGrid(dir, 'export', { strategies: '[ft, lp]', seeds: '[0, 1]', weights: 'none' });
    const run = medft(['run', grid, '--out', join(dir, 'run'), '--workers', '1', '--no-report', '--no-progress']);
    assert.equal(run.status, 0, run.stderr);

    // the expected choice, computed here from the stored validation accuracies
    const cells = loadReportData(join(dir, 'run')).cells;
    const mean = (s: string) => cells.filter((c) => c.strategy === s).reduce((a, c) => a + c.val!.accuracy, 0) / 2;
    const strategy = mean('lp') > mean('ft') ? 'lp' : 'ft';
    const seeds = cells.filter((c) => c.strategy === strategy).sort((a, b) => b.val!.accuracy - a.val!.accuracy || a.seed - b.seed);
    const chosen = seeds[0];

    const r = medft(['export', join(dir, 'run'), '--out', join(dir, 'models')]);
    assert.equal(r.status, 0, r.stderr);
    const out = join(dir, 'models', 'breastmnist-tiny_cnn');
    for (const f of ['model.json', 'weights.bin', 'medft.json', 'metrics.json']) assert.ok(existsSync(join(out, f)), `${f} missing`);
    const meta = JSON.parse(readFileSync(join(out, 'medft.json'), 'utf8')) as { strategy?: { strategy?: string } };
    assert.equal(meta.strategy?.strategy, strategy);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as { test: { accuracy: number; macroAuc: number } };
    assert.equal(metrics.test.accuracy, chosen.test!.accuracy);
    assert.equal(metrics.test.macroAuc, chosen.test!.macroAuc);
    assert.match(r.stdout, new RegExp(`${strategy}, seed ${chosen.seed} → .*reproduced test accuracy`));

    // a second export into the same folder refuses to overwrite
    const again = medft(['export', join(dir, 'run'), '--out', join(dir, 'models')]);
    assert.equal(again.status, 3);
    assert.match(again.stderr, /exists and is not empty/);
  });
});
