/**
 * The one rule for which cells a run starts, against a hand-made table: a grid of plain cells and LR candidates given
 * every status a store can hold (and none), with and without --retry-failed, under successive halving and a plain
 * grid search. The same answer from openRun on a real store in a temp dir, and from the dry run's work left.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { expandCells, type Cell } from '../../src/experiment/cells.ts';
import { cellsToRun, isOpen } from '../../src/experiment/cells-to-run.ts';
import { plannedWork, type Progress } from '../../src/experiment/estimate.ts';
import { openRun } from '../../src/experiment/runner.ts';
import { parseExperiment } from '../../src/experiment/spec.ts';
import { tempDir } from '../data/fixtures.ts';

// ft searched over 2 LRs, lp at one LR; 3 seeds: 6 candidates and 3 plain cells.
const spec = parseExperiment({ name: 'w', datasets: ['d.npz'], models: ['tiny_cnn'], strategies: ['ft', { id: 'lp', lr: 1e-3 }], lrGrid: [1e-4, 1e-3], seeds: [0, 1, 2], epochs: 2 }, 'w.yaml');
const cells = expandCells(spec, 'w.yaml');
const ft = cells.filter((c) => c.config.lrCandidate);
const lp = cells.filter((c) => !c.config.lrCandidate);

// One status per cell, by hand: every status a store holds, and a cell the store does not know yet.
const STATUSES = [undefined, 'pending', 'running', 'stopped', 'done', 'failed'] as const;
const status = new Map<string, string | undefined>([...ft.map((c, i) => [c.id, STATUSES[i]] as const), [lp[0].id, 'done'], [lp[1].id, 'failed'], [lp[2].id, 'running']]);
const ids = (xs: Cell[]) => xs.map((c) => c.id);

describe('which cells a run starts', () => {
  it('isOpen: everything but done, and failed only with retryFailed', () => {
    const table: [string | undefined, boolean, boolean][] = [
      [undefined, false, true], ['pending', false, true], ['running', false, true], ['stopped', false, true], ['done', false, false], ['failed', false, false],
      [undefined, true, true], ['pending', true, true], ['running', true, true], ['stopped', true, true], ['done', true, false], ['failed', true, true],
    ];
    for (const [s, retry, want] of table) assert.equal(isOpen(s, retry), want, `${s} with retryFailed ${retry}`);
  });

  it('halving: the open LR candidates go to the search, the other open cells run as they are', () => {
    const r = cellsToRun(cells, (id) => status.get(id), { search: spec.lrSearch, retryFailed: false });
    assert.deepEqual(ids(r.candidates), ids(ft.slice(0, 4)), 'unknown, pending, running, stopped');
    assert.deepEqual(ids(r.plain), [lp[2].id], 'the interrupted lp cell; the done and the failed ones stay');
  });

  it('--retry-failed adds the failed cells, plain and candidate, in the file order', () => {
    const r = cellsToRun(cells, (id) => status.get(id), { search: spec.lrSearch, retryFailed: true });
    assert.deepEqual(ids(r.candidates), ids([...ft.slice(0, 4), ft[5]]));
    assert.deepEqual(ids(r.plain), [lp[1].id, lp[2].id]);
  });

  it('a plain grid search: LR candidates are plain cells', () => {
    const r = cellsToRun(cells, (id) => status.get(id), { search: { method: 'grid', eta: 2 }, retryFailed: false });
    assert.deepEqual(r.candidates, []);
    assert.deepEqual(ids(r.plain), ids(cells.filter((c) => [ft[0], ft[1], ft[2], ft[3], lp[2]].includes(c))));
  });

  it("the dry run's work left goes to the same cells", () => {
    const progress = new Map<string, Progress>([...status].filter(([, s]) => s).map(([id, s]) => [id, { status: s!, epochs: 0 }]));
    for (const retryFailed of [false, true]) {
      const r = cellsToRun(cells, (id) => status.get(id), { search: spec.lrSearch, retryFailed });
      const work = plannedWork(cells, spec.lrSearch, progress, retryFailed);
      assert.deepEqual([...work.keys()].sort(), ids([...r.plain, ...r.candidates]).sort(), `retryFailed ${retryFailed}`);
    }
  });

  describe('openRun on a store in a temp dir', () => {
    const dir = tempDir('medft-to-run-');
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('splits the registered cells by the same rule, after their statuses were written', () => {
      const plan = { file: join(dir, 'w.yaml'), spec, experimentId: 'to-run-test', cells };
      const first = openRun(plan, dir, false);
      assert.deepEqual(ids(first.toRun.candidates), ids(ft), 'a new store: every candidate');
      assert.deepEqual(ids(first.toRun.plain), ids(lp));
      // Write the table's statuses (a cell never seen stays pending, as a new one).
      const { store } = first;
      const byId = new Map(cells.map((c) => [c.id, c]));
      for (const [id, s] of status) {
        if (s === 'running') store.markRunning(id);
        else if (s === 'stopped') store.recordStopped(id, []);
        else if (s === 'failed') store.recordFailed(id, 'boom');
        else if (s === 'done') store.db.prepare(`UPDATE cells SET status = 'done' WHERE id = ?`).run(id);
        assert.ok(byId.has(id));
      }
      store.close();
      for (const retryFailed of [false, true]) {
        const run = openRun(plan, dir, retryFailed);
        run.store.close();
        const want = cellsToRun(cells, (id) => status.get(id), { search: spec.lrSearch, retryFailed });
        assert.deepEqual(ids(run.toRun.plain), ids(want.plain), `plain, retryFailed ${retryFailed}`);
        assert.deepEqual(ids(run.toRun.candidates), ids(want.candidates), `candidates, retryFailed ${retryFailed}`);
        assert.deepEqual(ids(run.done), [ft[4].id, lp[0].id]);
        assert.deepEqual(ids(run.failedBefore), [ft[5].id, lp[1].id]);
      }
    });
  });
});
