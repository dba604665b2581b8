/**
 * `medft export` retrains a cell on the engine it ran on, from the cell's record and without touching process.env:
 * the recorded backend, thread count, Winograd choice, replicas and step engine; the user's own thread count and Winograd choice
 * win over the record, the replicas never do.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ENGINE_SETTINGS } from '../../src/engine/settings.ts';
import { UsageError } from '../../src/errors.ts';
import { reproducingEngine } from '../../src/report/best-model.ts';
import { engineChoicesFromEnv } from '../../src/settings.ts';

describe('the engine export retrains a cell on', () => {
  const recorded = { backend: 'wasm', accelerator: 'onednn', acceleratorThreads: 2, acceleratorWinograd: true, replicas: 1 };

  it("the record's backend, threads, Winograd choice and replicas, over the defaults", () => {
    assert.deepEqual(reproducingEngine(recorded, {}, 'run'), { ...DEFAULT_ENGINE_SETTINGS, backend: 'wasm', acceleratorThreads: 2, winograd: true, replicas: '1', step: 'tfjs' });
    assert.deepEqual(reproducingEngine({ ...recorded, acceleratorWinograd: false, replicas: 3 }, {}, 'run'),
      { ...DEFAULT_ENGINE_SETTINGS, backend: 'wasm', acceleratorThreads: 2, winograd: false, replicas: '3', step: 'tfjs' });
  });

  it("the record's step engine, whatever MEDFT_ENGINE says; a record from before the native engine trained on TF.js", () => {
    assert.equal(reproducingEngine({ ...recorded, step: 'native' }, engineChoicesFromEnv({ MEDFT_ENGINE: 'tfjs' }), 'run').step, 'native');
    assert.equal(reproducingEngine(recorded, engineChoicesFromEnv({ MEDFT_ENGINE: 'native' }), 'run').step, 'tfjs');
  });

  it('a record from before Winograd ran without it; a record without replicas ran on one engine', () => {
    const old = reproducingEngine({ backend: 'wasm', accelerator: 'onednn', acceleratorThreads: 4 }, {}, 'run');
    assert.equal(old.winograd, false);
    assert.equal(old.replicas, '1');
  });

  it('a cell without the accelerator keeps the default Winograd setting and every core', () => {
    const none = reproducingEngine({ backend: 'wasm', accelerator: 'none', acceleratorThreads: 0, acceleratorWinograd: false, replicas: 2 }, {}, 'run');
    assert.deepEqual(none, { ...DEFAULT_ENGINE_SETTINGS, backend: 'wasm', replicas: '2', step: 'tfjs' });
  });

  it("the user's MEDFT_ACCELERATOR_THREADS and MEDFT_ACCELERATOR_WINOGRAD win; MEDFT_REPLICAS and MEDFT_BACKEND do not", () => {
    const user = engineChoicesFromEnv({ MEDFT_ACCELERATOR_THREADS: '1', MEDFT_ACCELERATOR_WINOGRAD: 'off', MEDFT_REPLICAS: '4', MEDFT_BACKEND: 'cpu', MEDFT_ACCELERATOR: 'none' });
    const e = reproducingEngine(recorded, user, 'run');
    assert.equal(e.acceleratorThreads, 1);
    assert.equal(e.winograd, false);
    assert.equal(e.replicas, '1');
    assert.equal(e.backend, 'wasm');
    assert.equal(e.accelerator, 'none', 'the accelerator switch is the user\'s, as before');
    assert.equal(reproducingEngine({}, user, 'run').backend, 'cpu', 'without a recorded backend, MEDFT_BACKEND');
  });

  it('an unknown recorded backend is a usage error naming the run', () => {
    assert.throws(() => reproducingEngine({ backend: 'gpu' }, {}, 'runs/x (the cell\'s recorded backend)'),
      (e: unknown) => e instanceof UsageError && /unknown backend 'gpu' \(from runs\/x \(the cell's recorded backend\)\)/.test(e.message));
  });
});
