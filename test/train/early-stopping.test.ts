/**
 * Early stopping on hand-written sequences of monitored values: best epoch, patience per phase, min and max mode,
 * the last epoch of a phase, missing and non-finite values, and a state()/load() round trip at every epoch giving
 * the same decisions as an uninterrupted run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Monitor } from '../../src/train/config.ts';
import { EarlyStopping, monitorValue, type EarlyStoppingState } from '../../src/train/early-stopping.ts';

/** One decision per epoch of the plan, as the loop takes them: '*' best, '.' no better, 'stop', or 'skip'. */
function decide(es: EarlyStopping, phases: number[], values: (number | null)[], from = 0, upTo = values.length): string[] {
  const out: string[] = [];
  let e = 0;
  phases.forEach((epochs, index) => {
    for (let inPhase = 0; inPhase < epochs; inPhase++, e++) {
      if (e < from || e >= upTo) continue;
      if (es.phaseEnded(index)) { out.push('skip'); continue; }
      if (inPhase === 0) es.startPhase();
      const v = es.observe(e + 1, values[e], { index, lastEpoch: inPhase === epochs - 1 });
      out.push(v.stopPhase ? 'stop' : v.best ? '*' : '.');
    }
  });
  return out;
}

const make = (monitor: Monitor, patience: number) => new EarlyStopping({ monitor, patience });

describe('early stopping', () => {
  it('val_loss, patience 2: the phase ends after two epochs without a lower loss; the next phase has its own patience', () => {
    const es = make('val_loss', 2);
    // Phase 0 (5 epochs): 1.0 best, 0.8 best, 0.9 (1 bad), 0.85 (2 bad: stop), epoch 5 skipped.
    // Phase 1 (3 epochs): 0.8 equals the best, not below it (1 bad), 0.7 best, 0.75 (1 bad, last epoch anyway).
    const got = decide(es, [5, 3], [1.0, 0.8, 0.9, 0.85, 0.1, 0.8, 0.7, 0.75]);
    assert.deepEqual(got, ['*', '*', '.', 'stop', 'skip', '.', '*', '.']);
    assert.deepEqual(es.best, { epoch: 7, value: 0.7 });
    assert.deepEqual(es.state(), { best: { epoch: 7, value: 0.7 }, badEpochs: 1, endedPhases: [0] });
  });

  it('val_accuracy, patience 1: higher is better and a tie is no improvement', () => {
    const es = make('val_accuracy', 1);
    assert.deepEqual(decide(es, [4], [0.5, 0.6, 0.6, 0.9]), ['*', '*', 'stop', 'skip']);
    assert.deepEqual(es.best, { epoch: 2, value: 0.6 });
    assert.deepEqual(es.state().endedPhases, [0]);
  });

  it('never stops on the last epoch of a phase, nor with patience 0 (the best epoch is still tracked)', () => {
    const last = make('val_loss', 1);
    assert.deepEqual(decide(last, [2, 2], [1, 2, 0.5, 4]), ['*', '.', '*', '.']);
    assert.deepEqual(last.state(), { best: { epoch: 3, value: 0.5 }, badEpochs: 1, endedPhases: [] });
    const never = make('val_loss', 0);
    assert.deepEqual(decide(never, [6], [3, 2, 4, 5, 6, 7]), ['*', '*', '.', '.', '.', '.']);
    assert.deepEqual(never.best, { epoch: 2, value: 2 });
  });

  it('no value (no validation split) changes nothing; NaN is never best and counts as a bad epoch', () => {
    const es = make('val_auc', 2);
    assert.deepEqual(decide(es, [6], [null, 0.7, null, Number.NaN, 0.6, 0.9]), ['.', '*', '.', '.', 'stop', 'skip']);
    assert.deepEqual(es.best, { epoch: 2, value: 0.7 });
    const first = make('val_loss', 3);
    assert.deepEqual(decide(first, [3], [Number.NaN, Number.POSITIVE_INFINITY, 5]), ['.', '.', '*']);
    assert.deepEqual(first.best, { epoch: 3, value: 5 });
  });

  it('state()/load() through JSON at any epoch gives the decisions of an uninterrupted run', () => {
    const phases = [4, 3, 3];
    const values = [0.9, 0.7, 0.8, 0.75, 0.72, 0.6, 0.65, 0.66, 0.61, 0.5];
    for (const [monitor, patience] of [['val_loss', 2], ['val_accuracy', 1], ['val_loss', 1]] as const) {
      const whole = make(monitor, patience);
      const expected = decide(whole, phases, values);
      for (let cut = 0; cut <= values.length; cut++) {
        const a = make(monitor, patience);
        const before = decide(a, phases, values, 0, cut);
        const saved: EarlyStoppingState = JSON.parse(JSON.stringify(a.state()));
        a.observe(99, monitor === 'val_loss' ? -1 : 2, { index: 0, lastEpoch: false }); // the saved state is a copy
        const b = make(monitor, patience);
        b.load(saved);
        const after = decide(b, phases, values, cut);
        assert.deepEqual([...before, ...after], expected, `${monitor} patience ${patience}, cut after epoch ${cut}`);
        assert.deepEqual(b.state(), whole.state());
      }
    }
  });

  it('state() holds exactly the early-stopping fields of a checkpoint, and load() reads them from one', () => {
    const es = make('val_loss', 2);
    assert.deepEqual(decide(es, [4, 2], [1, 2, 3, 9, 0.5, 4]), ['*', '.', 'stop', 'skip', '*', '.']);
    assert.deepEqual(Object.keys(es.state()), ['best', 'badEpochs', 'endedPhases']);
    const loop = { identity: '{}', nextEpoch: 5, history: [], ...es.state() };
    const again = make('val_loss', 2);
    again.load(loop);
    assert.deepEqual(again.state(), es.state());
    assert.ok(again.phaseEnded(0) && !again.phaseEnded(1));
  });

  it('monitorValue reads the monitored metric; a missing AUC is NaN', () => {
    const v = { loss: 0.4, accuracy: 0.8, balancedAccuracy: 0.7, macroF1: 0.6, auc: 0.9 };
    assert.deepEqual((['val_loss', 'val_accuracy', 'val_balanced_accuracy', 'val_macro_f1', 'val_auc'] as const).map((m) => monitorValue(m, v)), [0.4, 0.8, 0.7, 0.6, 0.9]);
    assert.ok(Number.isNaN(monitorValue('val_auc', { ...v, auc: null })));
  });
});
