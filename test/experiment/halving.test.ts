/**
 * Successive halving over LR grids. The rung schedule and the rung decisions against hand-computed cases; then
 * `medft run` end to end on a tiny_cnn grid of 4 LRs (see the second describe).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandCells, type Cell } from '../../src/experiment/cells.ts';
import { decideGroup, groupRungs, lrGroups, rungSchedule, scheduleEpochs, type Candidate } from '../../src/experiment/halving.ts';
import { parseExperiment } from '../../src/experiment/spec.ts';
import type { EpochRecord } from '../../src/train/loop.ts';

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
