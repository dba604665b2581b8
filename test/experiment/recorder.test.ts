/**
 * The recorder against a store in a temp dir and hand-made cell-process messages: each message lands in the store
 * as the store's own reads give it back (status, error, attempts, epochs, metrics), progress without a record
 * changes nothing, and the counts and the settled callbacks follow what was settled in this run.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ClassificationReport } from '../../src/eval/index.ts';
import { expandCells, type Cell } from '../../src/experiment/cells.ts';
import { CellRecorder, type Settled } from '../../src/experiment/recorder.ts';
import { parseExperiment } from '../../src/experiment/spec.ts';
import { ResultsStore, type CellResult } from '../../src/experiment/store.ts';
import type { EpochRecord } from '../../src/train/loop.ts';
import { tempDir } from '../data/fixtures.ts';

const spec = parseExperiment({ name: 'r', datasets: ['d.npz'], models: ['tiny_cnn'], strategies: ['ft', 'lp'], seeds: [0, 1], epochs: 2 }, 'r.yaml');
const [a, b, c, d] = expandCells(spec, 'r.yaml');

const epoch = (n: number, acc: number): EpochRecord => ({
  epoch: n, phase: 'ft', phaseIndex: 0, trainableBlocks: ['head'], trainableTensors: 2, lrStart: 1e-3, lrEnd: 1e-3, trainLoss: 1 - acc, penalty: null,
  val: { loss: 1 - acc, accuracy: acc, balancedAccuracy: acc, macroF1: acc, auc: null }, monitor: 1 - acc, best: true, stoppedPhase: false, images: 10, seconds: 1, imagesPerSec: 10,
});
const report = (accuracy: number): ClassificationReport => ({
  n: 4, numClasses: 2, accuracy, balancedAccuracy: accuracy, macroF1: accuracy, macroAuc: 0.5, aucExcludedClasses: [], ece: 0.1, mce: 0.2, nll: 0.7,
  confusionMatrix: [[1, 1], [1, 1]], perClass: [], calibrationBins: [],
});
const result = (acc: number): CellResult => ({ val: report(acc), test: report(acc / 2), bestEpoch: 2, history: [epoch(1, acc / 3), epoch(2, acc)], timings: { total: 3 }, environment: { host: 'here' } });

describe('CellRecorder', () => {
  const dir = tempDir('medft-recorder-');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('applies each message to the store and counts what settled', () => {
    const store = new ResultsStore(join(dir, 'results.db'));
    store.registerExperiment('e', 'r', 'r.yaml', spec, [a, b, c, d]);
    const settled: [string, Settled, string | undefined][] = [];
    const rec = new CellRecorder(store, [a, b, c, d], (cell: Cell, s, error) => settled.push([cell.id, s, error]));

    rec.started(a.id);
    assert.equal(store.cell(a.id)!.status, 'running');
    assert.equal(store.cell(a.id)!.attempts, 1);
    rec.record({ type: 'epoch-start', cellId: a.id, epoch: 1, batches: 3 });
    rec.record({ type: 'batch', cellId: a.id, epoch: 1, batch: 1, batches: 3 });
    assert.deepEqual(store.epochs(a.id), [], 'progress without a record stores nothing');
    rec.record({ type: 'epoch', cellId: a.id, record: epoch(1, 0.25) });
    assert.deepEqual(store.epochs(a.id), [epoch(1, 0.25)]);
    rec.record({ type: 'done', cellId: a.id, result: result(0.75) });
    assert.equal(store.cell(a.id)!.status, 'done');
    assert.deepEqual(store.epochs(a.id), result(0.75).history, "the result's history replaces the epochs seen so far");
    assert.equal(store.metric(a.id, 'test', 'accuracy'), 0.375);
    assert.equal(store.metric(a.id, 'val', 'accuracy'), 0.75);
    assert.deepEqual(store.environment(a.id), { host: 'here' });

    rec.started(b.id);
    rec.record({ type: 'failed', cellId: b.id, error: 'TrainingError: the loss became NaN' });
    assert.equal(store.cell(b.id)!.status, 'failed');
    assert.equal(store.cell(b.id)!.error, 'TrainingError: the loss became NaN');

    // Paused at a rung: stored as stopped with its epochs, but not settled (the search decides).
    rec.started(c.id);
    rec.record({ type: 'stopped', cellId: c.id, history: [epoch(1, 0.5)] });
    assert.equal(store.cell(c.id)!.status, 'stopped');
    assert.deepEqual(store.epochs(c.id), [epoch(1, 0.5)]);
    assert.equal(rec.ran, 2);
    rec.stoppedForGood(c);
    assert.equal(store.cell(c.id)!.status, 'stopped');

    assert.equal(store.cell(d.id)!.status, 'pending', 'a cell no message named is left alone');
    assert.equal(rec.ran, 3);
    assert.deepEqual(rec.counts, { done: 1, failed: 1, stopped: 1 });
    assert.deepEqual(rec.failed, [{ cell: b, error: 'TrainingError: the loss became NaN' }]);
    assert.deepEqual(settled, [[a.id, 'done', undefined], [b.id, 'failed', 'TrainingError: the loss became NaN'], [c.id, 'stopped', undefined]]);
    store.close();
  });

  it('a second done for a cell keeps the first result (a restarted coordinator collecting a job twice)', () => {
    const store = new ResultsStore(join(dir, 'twice.db'));
    store.registerExperiment('e', 'r', 'r.yaml', spec, [a]);
    const rec = new CellRecorder(store, [a]);
    rec.record({ type: 'done', cellId: a.id, result: result(0.5) });
    rec.record({ type: 'done', cellId: a.id, result: result(1) });
    assert.equal(store.metric(a.id, 'val', 'accuracy'), 0.5);
    store.close();
  });
});
