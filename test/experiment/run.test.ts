/**
 * `medft run` end to end on real BreastMNIST (a few dozen images, tiny_cnn at 16 px, 1 epoch, from fixed starting
 * weights so that every cell is reproducible): an uninterrupted run; a run killed with SIGKILL mid-way and rerun,
 * which must end with the same cells, each once, and bit-identical metrics; a failing cell recorded with its error,
 * skipped on rerun and retried only with --retry-failed, without stopping the other cells; --dry-run, with and
 * without the probe's time estimate; and the one-line message when the dataset is missing.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { sharedDataDir, tempDir } from '../data/fixtures.ts';
import { writeTinyGrid } from '../helpers/tiny-grid.ts';

const bin = fileURLToPath(new URL('../../bin/medft.js', import.meta.url));
const dir = tempDir('medft-run-');
const env = { ...process.env, MEDFT_DATA_DIR: sharedDataDir() };
const medft = (args: string[], extraEnv: Record<string, string> = {}) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...env, ...extraEnv }, timeout: 120_000 });

const init = join(dir, 'init');
const grid = (name: string, strategies: string) => writeTinyGrid(dir, name, { strategies, seeds: '[0, 1]', weights: init });

interface Row { id: string; status: string; error: string | null; attempts: number; accuracy: number | null; nll: number | null; epochs: number }
function rows(out: string): Row[] {
  const db = new Database(join(out, 'results.db'), { readonly: true });
  try {
    return db.prepare(`SELECT c.id, c.status, c.error, c.attempts,
      (SELECT value FROM metrics m WHERE m.cell_id = c.id AND m.split = 'test' AND m.metric = 'accuracy') AS accuracy,
      (SELECT value FROM metrics m WHERE m.cell_id = c.id AND m.split = 'test' AND m.metric = 'nll') AS nll,
      (SELECT COUNT(*) FROM epochs e WHERE e.cell_id = c.id) AS epochs FROM cells c ORDER BY c.id`).all() as Row[];
  } finally {
    db.close();
  }
}
const doneCount = (out: string) => {
  if (!existsSync(join(out, 'results.db'))) return 0;
  try {
    return rows(out).filter((r) => r.status === 'done').length;
  } catch {
    return 0;
  }
};

describe('medft run', () => {
  const strategies = '[ft, lp, gu-lf, l2-sp]';
  before(() => {
    // Fixed starting weights: tiny_cnn's own initialiser is not seeded, a weights folder is.
    const r = medft(['finetune', '--data', 'breastmnist', '--model', 'tiny_cnn', '--size', '16', '--epochs', '1', '--weights', 'none', '--strategy', 'ft', '--out', init, '--no-progress']);
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the cells with --dry-run without creating anything', () => {
    const out = join(dir, 'dry');
    const r = medft(['run', grid('dry', strategies), '--out', out, '--dry-run', '--no-probe']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^dry: 8 cells \(1 dataset\(s\) × 1 model\(s\) × 4 strategies × 2 seed\(s\)\), 1 epochs each/);
    assert.equal(r.stdout.trim().split('\n').length, 2 + 8);
    assert.equal((r.stdout.match(/ new$/gm) ?? []).length, 8);
    assert.ok(!existsSync(out));
  });

  let reference: Row[] = [];
  it('runs the grid on 2 workers and records every cell, epoch and metric', () => {
    const out = join(dir, 'full');
    const r = medft(['run', grid('full', strategies), '--out', out, '--workers', '2', '--no-report']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /8 cells; 0 done already, 0 failed earlier \(not retried\), 8 to run on 2 worker\(s\)/);
    assert.match(r.stderr, /8\/8 cells done \(0 skipped as already done, 8 run, 0 failed\)/);
    reference = rows(out);
    assert.equal(reference.length, 8);
    for (const c of reference) {
      assert.equal(c.status, 'done');
      assert.equal(c.epochs, 1);
      assert.ok(c.accuracy! >= 0 && c.accuracy! <= 1);
    }
    // The two seeds differ (split, order, head), so the grid is not 4 copies of the same numbers.
    assert.ok(new Set(reference.map((c) => c.nll)).size > 4);
    const again = medft(['run', grid('full', strategies), '--out', out, '--no-report']);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /8 done already, 0 failed earlier \(not retried\), 0 to run/);
    assert.deepEqual(rows(out), reference, 'a rerun of a finished grid changes nothing');
    const dry = medft(['run', grid('full', strategies), '--out', out, '--dry-run']);
    assert.equal((dry.stdout.match(/ done +–$/gm) ?? []).length, 8, 'done cells need no time');
    assert.match(dry.stdout, /^estimated 0\.0 s for 0 cell\(s\)/m);
  });

  it('after SIGKILL mid-way, a rerun completes the grid: no duplicate or missing cell, metrics identical to the uninterrupted run', async () => {
    const out = join(dir, 'killed');
    const file = grid('full', strategies);
    const child = spawn(process.execPath, [bin, 'run', file, '--out', out, '--workers', '2', '--no-report', '--no-progress'], { env, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const t0 = Date.now();
    while (doneCount(out) < 2 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGKILL');
    await exited;
    const partial = rows(out);
    const done = partial.filter((r) => r.status === 'done').length;
    assert.ok(done >= 2 && done < 8, `killed mid-way (${done} of 8 done)`);
    await new Promise((r) => setTimeout(r, 500)); // the orphaned workers notice the closed channel and exit

    const r = medft(['run', file, '--out', out, '--workers', '2', '--no-report']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`${done} done already`));
    const final = rows(out);
    assert.deepEqual(final.map((c) => c.id), reference.map((c) => c.id), 'same cells, each once');
    for (const c of final) {
      const ref = reference.find((x) => x.id === c.id)!;
      assert.equal(c.status, 'done');
      assert.equal(c.epochs, 1, `${c.id}: one row per epoch`);
      assert.equal(c.accuracy, ref.accuracy, `${c.id}: test accuracy`);
      assert.equal(c.nll, ref.nll, `${c.id}: test NLL`);
    }
  });

  it('records a failing cell with its error, keeps running the others, and retries it only with --retry-failed', () => {
    const out = join(dir, 'failing');
    const file = grid('failing', '[ft, { id: l2-sp, lr: 1e30, params: { beta: 1e38 } }]');
    const r = medft(['run', file, '--out', out, '--workers', '2', '--no-report']);
    assert.equal(r.status, 1, 'exit 1 when a cell failed');
    assert.match(r.stderr, /FAILED \w{16} breastmnist × tiny_cnn × l2-sp × seed \d \(\d\/4[^)]*\): TrainingError: the loss became NaN/);
    const first = rows(out);
    assert.equal(first.filter((c) => c.status === 'done').length, 2, 'both ft cells finished');
    const failed = first.filter((c) => c.status === 'failed');
    assert.equal(failed.length, 2);
    for (const c of failed) { assert.ok(c.error && c.error.length > 0); assert.equal(c.attempts, 1); }

    const skip = medft(['run', file, '--out', out, '--no-report']);
    assert.equal(skip.status, 0, skip.stderr);
    assert.match(skip.stderr, /2 done already, 2 failed earlier \(not retried; use --retry-failed\), 0 to run/);
    assert.deepEqual(rows(out), first);

    const retry = medft(['run', file, '--out', out, '--retry-failed', '--no-report']);
    assert.equal(retry.status, 1);
    assert.match(retry.stderr, /2 done already, 0 failed earlier \(not retried\), 2 to run/);
    const after2 = rows(out);
    for (const c of after2.filter((x) => x.status === 'failed')) assert.equal(c.attempts, 2);
    assert.deepEqual(after2.filter((c) => c.status === 'done'), first.filter((c) => c.status === 'done'), 'the done cells were not rerun');
  });

  it('estimates the run time with --dry-run from a short probe of the real train step, running no cell', () => {
    const out = join(dir, 'probe');
    const r = medft(['run', grid('probe', '[ft, lp]'), '--out', out, '--dry-run', '--workers', '2']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /probing tiny_cnn 16px b16 on backend \w+/);
    const m = /^estimated ([\d.]+) s for 4 cell\(s\) to run on 2 worker\(s\) \(probe: tiny_cnn 16px b16 ([\d.]+) s\/step, ([\d.]+) ms\/image forward, probe took ([\d.]+) s; measured now; ±30%\)$/m.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.ok(Number(m[2]) > 0 && Number(m[3]) > 0 && Number(m[4]) > 0, 'the probe measured something: ' + r.stdout);
    assert.match(r.stdout, /frozen \(LP\) phases counted as full train steps, an upper bound/);
    assert.equal((r.stdout.match(/ new +[\d.]+ s$/gm) ?? []).length, 4, 'an estimate on every cell line');
    assert.ok(!existsSync(out), 'no cell ran: no results.db, no folder');
    // Only the cells a run would start count: on the failing grid's store, 2 done and 2 failed.
    const failing = grid('failing', '[ft, { id: l2-sp, lr: 1e30, params: { beta: 1e38 } }]');
    const none = medft(['run', failing, '--out', join(dir, 'failing'), '--dry-run']);
    assert.match(none.stdout, /^estimated 0\.0 s for 0 cell\(s\)/m);
    const retry = medft(['run', failing, '--out', join(dir, 'failing'), '--dry-run', '--retry-failed']);
    assert.match(retry.stdout, /^estimated [\d.]+ s for 2 cell\(s\)/m);
    assert.equal(rows(join(dir, 'failing')).filter((c) => c.status === 'done').length, 2, 'still 2 done: nothing ran');
  });

  it('says in one line how to point at the data when the dataset is missing', () => {
    const empty = tempDir('medft-nodata-');
    // BreastMNIST ships with medft (data/), so a MedMNIST set that does not is the one that can be missing.
    const nodata = writeTinyGrid(dir, 'nodata', { strategies: '[ft]', seeds: '[0]', weights: init, dataset: 'pneumoniamnist' });
    const r = medft(['run', nodata, '--out', join(dir, 'nodata')], { MEDFT_DATA_DIR: empty, MEDFT_CACHE_DIR: empty });
    assert.equal(r.status, 3, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^medft: dataset 'pneumoniamnist' not found \(not in MEDFT_DATA_DIR=.*, nor in the download cache\): set MEDFT_DATA_DIR to the folder that holds it .* or add --download/);
    assert.ok(!existsSync(join(dir, 'nodata')), 'nothing written');
    rmSync(empty, { recursive: true, force: true });
  });
});
