/**
 * Successive halving over LR grids. The rung schedule, the rung decisions and the dry run's work left against
 * hand-computed cases; then `medft run` end to end on real BreastMNIST (tiny_cnn at 16 px, 4 LRs × 2 seeds, 4 epochs,
 * from fixed starting weights): the epochs trained equal the schedule's, one candidate per group finishes, the others
 * are stored as stopped with their rung's epochs; the finished candidate's numbers equal a plain full run of the same
 * cell bit for bit; a run killed mid-search and rerun ends with the same choices; --queue refuses halving.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { expandCells, type Cell } from '../../src/experiment/cells.ts';
import { plannedWork, type Progress } from '../../src/experiment/estimate.ts';
import { decideGroup, groupRungs, lrGroups, rungSchedule, scheduleEpochs, type Candidate } from '../../src/experiment/halving.ts';
import { parseExperiment } from '../../src/experiment/spec.ts';
import type { EpochRecord } from '../../src/train/loop.ts';
import { sharedDataDir, tempDir } from '../data/fixtures.ts';

describe('successive halving: the rung schedule', () => {
  // [n candidates, E epochs, η, minEpochs] → rungs as [epochs, candidates], and the epochs trained in all, by hand.
  const CASES: [number, number, number, number | undefined, [number, number][], number][] = [
    [4, 4, 2, undefined, [[1, 4], [2, 2], [4, 1]], 4 * 1 + 2 * 1 + 1 * 2], // E/4, E/2, E: 2E, not 4E
    [4, 8, 2, undefined, [[2, 4], [4, 2], [8, 1]], 4 * 2 + 2 * 2 + 1 * 4],
    [4, 10, 2, undefined, [[2, 4], [4, 2], [10, 1]], 4 * 2 + 2 * 2 + 1 * 6], // r0 = ⌊10/4⌋
    [8, 8, 2, undefined, [[1, 8], [2, 4], [4, 2], [8, 1]], 8 + 4 + 2 * 2 + 4], // E(1 + 3/2) = 2.5E
    [3, 8, 2, undefined, [[4, 3], [8, 1]], 3 * 4 + 4], // ⌊3/2⌋ = 1 continues
    [5, 12, 2, undefined, [[3, 5], [6, 2], [12, 1]], 5 * 3 + 2 * 3 + 6],
    [9, 9, 3, undefined, [[1, 9], [3, 3], [9, 1]], 9 + 3 * 2 + 6], // E(1 + 2·2/3)
    [4, 2, 2, undefined, [[1, 4], [2, 1]], 4 + 1], // no room for E/2: the one rung keeps one
    [4, 1, 2, undefined, [[1, 4]], 4], // no room for any rung: every candidate trains all epochs
    [1, 5, 2, undefined, [[5, 1]], 5],
    [4, 8, 2, 3, [[3, 4], [6, 2], [8, 1]], 4 * 3 + 2 * 3 + 2],
    [4, 8, 2, 5, [[5, 4], [8, 1]], 4 * 5 + 3], // the rung at 10 would not end before 8
  ];
  for (const [n, e, eta, min, want, total] of CASES) {
    it(`n ${n}, E ${e}, η ${eta}${min ? `, minEpochs ${min}` : ''}: rungs ${want.map((r) => r.join('×')).join(' ')}, ${total} epochs`, () => {
      const rungs = rungSchedule(n, e, eta, min);
      assert.deepEqual(rungs.map((r) => [r.epochs, r.candidates]), want);
      assert.equal(scheduleEpochs(rungs), total);
    });
  }

  it('grid: one rung of all epochs for every candidate (n × E)', () => {
    const rungs = groupRungs({ method: 'grid', eta: 2 }, 4, 8);
    assert.deepEqual(rungs, [{ epochs: 8, candidates: 4 }]);
    assert.equal(scheduleEpochs(rungs), 32);
  });

  it('the experiment file: halving by default, eta 2; minEpochs must end before the last epoch', () => {
    const base = { name: 'h', datasets: ['d.npz'], models: ['tiny_cnn'], strategies: ['ft'], lrGrid: [1e-4, 1e-3], epochs: 4 };
    assert.deepEqual(parseExperiment(base, 'h.yaml').lrSearch, { method: 'halving', eta: 2 });
    assert.deepEqual(parseExperiment({ ...base, lrSearch: { method: 'grid' } }, 'h.yaml').lrSearch, { method: 'grid', eta: 2 });
    assert.throws(() => parseExperiment({ ...base, lrSearch: { minEpochs: 4 } }, 'h.yaml'), /^InputError: h\.yaml: lrSearch\.minEpochs: the first rung must end before the last epoch/);
    assert.throws(() => parseExperiment({ ...base, lrSearch: { eta: 1 } }, 'h.yaml'), /h\.yaml: lrSearch\.eta: Too small/);
    assert.throws(() => parseExperiment({ ...base, lrSearch: { method: 'asha' } }, 'h.yaml'), /h\.yaml: lrSearch\.method/);
  });
});

describe('successive halving: the rung decision', () => {
  const spec = parseExperiment({ name: 'h', datasets: ['d.npz'], models: ['tiny_cnn'], strategies: ['ft'], lrGrid: [1e-4, 3e-4, 1e-3, 3e-3], epochs: 4 }, 'h.yaml');
  const group = [...lrGroups(expandCells(spec, 'h.yaml')).values()][0];
  const rungs = rungSchedule(4, 4, 2); // 1, 2, 4 epochs
  /** Epoch records with validation [accuracy, loss] per epoch; `best` marks the early-stopping best epochs. */
  const records = (vals: [number, number][], best = vals.map(() => true)): EpochRecord[] => vals.map(([acc, loss], i) => ({
    epoch: i + 1, phase: 'ft', phaseIndex: 0, trainableBlocks: [], trainableTensors: 1, lrStart: 1, lrEnd: 1, trainLoss: 1, penalty: null,
    val: { loss, accuracy: acc, balancedAccuracy: acc, macroF1: acc, auc: null }, monitor: loss, best: best[i], stoppedPhase: false, images: 1, seconds: 0, imagesPerSec: 1,
  }));
  const cand = (cell: Cell, vals: [number, number][], o: Partial<Candidate> & { best?: boolean[] } = {}): Candidate => ({ cell, records: records(vals, o.best), done: false, failed: false, ...o });
  const lrs = (xs: { cell: Cell }[]) => xs.map((x) => x.cell.config.lr);

  it('groups the candidates that differ only in the LR, in LR order', () => {
    assert.deepEqual(lrs(group.map((cell) => ({ cell }))), [1e-4, 3e-4, 1e-3, 3e-3]);
  });

  it('a fresh group: every candidate trains to the first rung', () => {
    const p = decideGroup(group.map((c) => cand(c, [])), rungs, 'accuracy');
    assert.deepEqual(p.run.map((r) => [r.cell.config.lr, r.stopAfterEpoch]), [[1e-4, 1], [3e-4, 1], [1e-3, 1], [3e-3, 1]]);
    assert.deepEqual(p.stopped, []);
  });

  it('waits until every candidate reached the rung', () => {
    const p = decideGroup([cand(group[0], [[0.9, 0.1]]), cand(group[1], []), cand(group[2], [[0.5, 1]]), cand(group[3], [[0.5, 1]])], rungs, 'accuracy');
    assert.deepEqual(lrs(p.run), [3e-4]);
    assert.deepEqual(p.stopped, []);
  });

  it('keeps the best half on validation; ties → lower validation loss, then the smaller LR; later epochs play no part', () => {
    const cs = [
      cand(group[0], [[0.7, 0.5]]), // ties on accuracy, loses on loss
      cand(group[1], [[0.7, 0.4]]), // ties with 1e-3 on accuracy and loss: the smaller LR wins
      cand(group[2], [[0.7, 0.4], [0.1, 9]]), // its epoch 2 (past the rung) does not count
      cand(group[3], [[0.6, 0.1]]),
    ];
    for (const order of [cs, [...cs].reverse()]) {
      const p = decideGroup(order, rungs, 'accuracy');
      assert.deepEqual(p.run.map((r) => [r.cell.config.lr, r.stopAfterEpoch]), [[3e-4, 2]], 'only 3e-4 still has to reach rung 1 (2 epochs)');
      assert.deepEqual(p.stopped.map((s) => [s.cell.config.lr, s.rung, s.epochs, s.value?.value]), [[1e-4, 0, 1, 0.7], [3e-3, 0, 1, 0.6]]);
    }
  });

  it('ranks on the early-stopping best epoch so far with restoreBest, on the last epoch without', () => {
    // 1e-4: best (by val loss) at epoch 1 with accuracy 0.6, then 0.9 at epoch 2 with a worse loss; 3e-4: 0.8 at both.
    const at2 = (restoreBest: boolean) => {
      const cells = group.slice(0, 2).map((c) => ({ ...c, config: { ...c.config, train: { ...c.config.train, earlyStopping: { ...c.config.train.earlyStopping, restoreBest } } } }));
      const two = rungSchedule(2, 4, 2); // 2 epochs, 2 candidates; then 4, 1
      return decideGroup([cand(cells[0], [[0.6, 0.2], [0.9, 0.3]], { best: [true, false] }), cand(cells[1], [[0.8, 0.2], [0.8, 0.1]])], two, 'accuracy');
    };
    assert.deepEqual(lrs(at2(true).run), [3e-4], 'restoreBest: 1e-4 stands at 0.6 (epoch 1)');
    assert.equal(at2(true).stopped[0].value?.epoch, 1);
    assert.deepEqual(lrs(at2(false).run), [1e-4], 'no restore: 1e-4 stands at 0.9 (epoch 2)');
  });

  it('leaves failed candidates out, counts one finished early as past every rung, and ends with one candidate finished', () => {
    const r1: [number, number][] = [[0.5, 1]];
    const p = decideGroup([cand(group[0], r1, { failed: true }), cand(group[1], [[0.9, 0.3]], { done: true }), cand(group[2], [[0.8, 0.3], [0.8, 0.3]]), cand(group[3], [[0.7, 0.3]])], rungs, 'accuracy');
    assert.deepEqual(p.stopped.map((s) => [s.cell.config.lr, s.rung]), [[3e-3, 0], [1e-3, 1]]);
    assert.deepEqual(p.run, [], '3e-4 finished (early stopping ended it) and is the last one in');
    const last = decideGroup([cand(group[0], [[0.9, 0.1], [0.9, 0.1]]), cand(group[1], [[0.1, 1]]), cand(group[2], [[0.9, 0.2], [0.8, 0.2]]), cand(group[3], [[0.1, 1]])], rungs, 'accuracy');
    assert.deepEqual(last.run.map((r) => [r.cell.config.lr, r.stopAfterEpoch]), [[1e-4, null]], 'the winner of the last rung trains all epochs');
    assert.deepEqual(last.stopped.map((s) => [s.cell.config.lr, s.rung]), [[3e-4, 0], [3e-3, 0], [1e-3, 1]]);
  });
});

describe('successive halving: the dry run\'s work left', () => {
  const spec = parseExperiment({ name: 'h', datasets: ['d.npz'], models: ['tiny_cnn'], strategies: ['ft', { id: 'lp', lr: 1e-3 }], lrGrid: [1e-4, 3e-4, 1e-3, 3e-3], epochs: 4 }, 'h.yaml');
  const cells = expandCells(spec, 'h.yaml');
  const ft = cells.filter((c) => c.config.lrCandidate);
  const lp = cells.find((c) => !c.config.lrCandidate)!;

  it('a fresh group shares its schedule (8 epochs, one final evaluation) over its 4 candidates; a plain cell does all its epochs', () => {
    const w = plannedWork(cells, spec.lrSearch, new Map(), false);
    for (const c of ft) assert.deepEqual(w.get(c.id), { epochs: 2, finals: 0.25 });
    assert.deepEqual(w.get(lp.id), { epochs: 4, finals: 1 });
    const grid = plannedWork(cells, { method: 'grid', eta: 2 }, new Map(), false);
    for (const c of ft) assert.deepEqual(grid.get(c.id), { epochs: 4, finals: 1 }, 'grid: every candidate all epochs');
  });

  it('less what the candidates trained; nothing once one finished and the others stopped', () => {
    // Rung 0 done (1 epoch each), 3e-4 and 1e-3 promoted and 1e-3 at epoch 2: 8 − 5 = 3 epochs left, over the 4 open.
    const mid = new Map<string, Progress>(ft.map((c, i) => [c.id, { status: 'stopped', epochs: i === 2 ? 2 : 1 }]));
    for (const c of ft) assert.deepEqual(plannedWork(cells, spec.lrSearch, mid, false).get(c.id), { epochs: 3 / 4, finals: 1 / 4 });
    const end = new Map<string, Progress>(ft.map((c, i) => [c.id, i === 1 ? { status: 'done', epochs: 4 } : { status: 'stopped', epochs: i === 2 ? 2 : 1 }]));
    const w = plannedWork(cells, spec.lrSearch, end, false);
    assert.deepEqual(ft.filter((c) => w.has(c.id)), []);
  });
});

describe('medft run with successive halving', () => {
  const bin = fileURLToPath(new URL('../../bin/medft.js', import.meta.url));
  const dir = tempDir('medft-halving-');
  const env = { ...process.env, MEDFT_DATA_DIR: sharedDataDir() };
  const medft = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, timeout: 300_000 });
  const init = join(dir, 'init');
  const file = (name: string, search = '') => {
    const f = join(dir, `${name}.yaml`);
    writeFileSync(f, `name: ${name}
datasets: [breastmnist]
models: [{ name: tiny_cnn, weights: ${init} }]
strategies: [ft]
seeds: [0, 1]
epochs: 4
lrGrid: [0.0003, 0.001, 0.003, 0.01]
${search}
inputSize: 16
subset: { train: 32, val: 16, test: 24 }
train: { batchSize: 16 }
`);
    return f;
  };
  const halvingFile = () => file('halving');
  const RUNGS = rungSchedule(4, 4, 2); // 4 to epoch 1, 2 to epoch 2, 1 to epoch 4

  interface Row { id: string; lr: number; seed: number; status: string; accuracy: number | null; nll: number | null; epochs: EpochRecord[] }
  function rows(out: string): Row[] {
    const db = new Database(join(out, 'results.db'), { readonly: true });
    try {
      const cells = db.prepare(`SELECT c.id, json_extract(c.config, '$.lr') AS lr, c.seed, c.status,
        (SELECT value FROM metrics m WHERE m.cell_id = c.id AND m.split = 'test' AND m.metric = 'accuracy') AS accuracy,
        (SELECT value FROM metrics m WHERE m.cell_id = c.id AND m.split = 'test' AND m.metric = 'nll') AS nll FROM cells c ORDER BY c.seed, lr`).all() as Omit<Row, 'epochs'>[];
      const epochs = db.prepare('SELECT record FROM epochs WHERE cell_id = ? ORDER BY epoch');
      return cells.map((c) => ({ ...c, epochs: (epochs.all(c.id) as { record: string }[]).map((r) => JSON.parse(r.record)) }));
    } finally {
      db.close();
    }
  }
  /** What must not depend on timing: per cell its status, test numbers and validation values per epoch. */
  const outcome = (rs: Row[]) => rs.map((r) => ({ id: r.id, status: r.status, accuracy: r.accuracy, nll: r.nll, val: r.epochs.map((e) => [e.epoch, e.val?.loss, e.val?.accuracy]) }));
  const statusCount = (out: string, status: string) => {
    if (!existsSync(join(out, 'results.db'))) return 0;
    try { return rows(out).filter((r) => r.status === status).length; } catch { return 0; }
  };

  before(() => {
    // Fixed starting weights: tiny_cnn's own initialiser is not seeded, a weights folder is.
    const r = medft(['finetune', '--data', 'breastmnist', '--model', 'tiny_cnn', '--size', '16', '--epochs', '1', '--weights', 'none', '--strategy', 'ft', '--out', init, '--no-progress']);
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  let reference: Row[] = [];
  it('trains the schedule\'s epochs: per group one candidate all 4, the others stopped at their rung with its epochs', () => {
    const out = join(dir, 'halving');
    const r = medft(['run', halvingFile(), '--out', out, '--workers', '2']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /4 candidates → 4 to epoch 1, 2 to epoch 2, 1 to epoch 4: 8 epochs per group instead of 16/);
    assert.match(r.stderr, /2\/8 cells done \(0 skipped as already done, 8 run, 0 failed, 6 LR candidate\(s\) stopped by successive halving\)/);
    reference = rows(out);
    assert.equal(reference.reduce((a, x) => a + x.epochs.length, 0), 2 * scheduleEpochs(RUNGS), 'epochs trained in all = 2 groups × the schedule\'s 8');
    for (const seed of [0, 1]) {
      const group = reference.filter((x) => x.seed === seed);
      const done = group.filter((x) => x.status === 'done');
      assert.equal(done.length, 1, `seed ${seed}: exactly one candidate finished`);
      assert.deepEqual(done[0].epochs.map((e) => e.epoch), [1, 2, 3, 4]);
      assert.ok(done[0].accuracy != null);
      const stopped = group.filter((x) => x.status === 'stopped');
      assert.deepEqual(stopped.map((x) => x.epochs.length).sort(), [1, 1, 2], `seed ${seed}: two stopped at rung 0 (1 epoch), one at rung 1 (2 epochs)`);
      for (const x of stopped) {
        assert.equal(x.accuracy, null, 'a stopped candidate has no test metrics');
        assert.ok(!existsSync(join(out, 'cells', x.id, 'checkpoint')), 'a candidate stopped for good keeps no checkpoint');
      }
    }
    const md = readFileSync(join(out, 'report', 'report.md'), 'utf8');
    const lrRows = md.split('\n').filter((l) => l.startsWith('| breastmnist × tiny_cnn | ft |'));
    assert.equal(lrRows.length, 2);
    for (const l of lrRows) {
      assert.equal((l.match(/\(stopped at epoch 1, rung 0\)/g) ?? []).length, 2, l);
      assert.equal((l.match(/\(stopped at epoch 2, rung 1\)/g) ?? []).length, 1, l);
      assert.equal((l.match(/\(chosen\)/g) ?? []).length, 1, l);
    }
  });

  it('continues exactly: every stored number equals a plain full run (lrSearch: grid) of the same cell, bit for bit', () => {
    const out = join(dir, 'grid');
    const r = medft(['run', file('grid', 'lrSearch: { method: grid }'), '--out', out, '--workers', '2', '--no-report']);
    assert.equal(r.status, 0, r.stderr);
    const grid = rows(out);
    assert.deepEqual(grid.map((x) => x.id), reference.map((x) => x.id), 'the search method is no part of a cell');
    for (const h of reference) {
      const g = grid.find((x) => x.id === h.id)!;
      assert.equal(g.status, 'done');
      assert.equal(g.epochs.length, 4);
      // Each epoch a halving candidate trained is the full run's epoch: train loss and validation, exactly.
      assert.deepEqual(h.epochs.map((e) => [e.epoch, e.trainLoss, e.val, e.lrStart, e.lrEnd]), g.epochs.slice(0, h.epochs.length).map((e) => [e.epoch, e.trainLoss, e.val, e.lrStart, e.lrEnd]), `${h.id} lr ${h.lr}`);
      if (h.status === 'done') {
        assert.equal(h.accuracy, g.accuracy, `${h.id}: test accuracy`);
        assert.equal(h.nll, g.nll, `${h.id}: test NLL`);
      }
    }
    // The finished candidates really were stopped and continued: at rung 0 and again at rung 1.
    const db = new Database(join(dir, 'halving', 'results.db'), { readonly: true });
    const env0 = reference.filter((x) => x.status === 'done').map((x) => JSON.parse((db.prepare('SELECT info FROM environment WHERE cell_id = ?').get(x.id) as { info: string }).info));
    db.close();
    for (const e of env0) assert.equal(e.resumedAt, RUNGS[1].epochs, 'the finished candidate resumed after its rung-1 epochs');
  });

  it('after SIGKILL mid-search, a rerun ends with the same stops, choices and numbers', async () => {
    const out = join(dir, 'killed');
    const f = halvingFile();
    const child = spawn(process.execPath, [bin, 'run', f, '--out', out, '--workers', '2', '--no-report', '--no-progress'], { env, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const t0 = Date.now();
    while (statusCount(out, 'stopped') < 1 && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGKILL');
    await exited;
    const partial = rows(out);
    assert.ok(partial.filter((x) => x.status === 'done').length < 2, 'killed before both groups finished');
    assert.ok(partial.some((x) => x.status === 'stopped'), 'killed after a candidate stopped at a rung');
    await new Promise((r) => setTimeout(r, 500)); // the orphaned workers notice the closed channel and exit

    const r = medft(['run', f, '--out', out, '--workers', '2', '--no-report']);
    assert.equal(r.status, 0, r.stderr);
    const final = outcome(rows(out));
    const ref = outcome(reference);
    // A kill between an epoch's checkpoint and its row in the store costs that candidate one epoch more on resume.
    for (const [i, x] of final.entries()) assert.ok(x.val.length - ref[i].val.length <= 1, `${x.id}: ${x.val.length} epochs vs ${ref[i].val.length}`);
    assert.deepEqual(final.map((x, i) => ({ ...x, val: x.val.slice(0, ref[i].val.length) })), ref);
  });

  it('--queue refuses successive halving, naming the setting that allows it', () => {
    const r = medft(['run', halvingFile(), '--out', join(dir, 'queued'), '--queue', 'redis://127.0.0.1:1']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /lrSearch: successive halving .* runs on the local pool only; add 'lrSearch: \{ method: grid \}' to the file .* or run without --queue/);
    assert.ok(!existsSync(join(dir, 'queued')), 'nothing written');
  });
});
