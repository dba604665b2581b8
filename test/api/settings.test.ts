/**
 * src/settings.ts, the one place medft reads its environment: every variable, its default, and the usage error a bad
 * value gives (the same texts the engine gave when it read the variables itself).
 */
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/errors.ts';
import { debugFromEnv, engineChoicesFromEnv, engineFromEnv, pathsFromEnv, settingsFromEnv, withBackendFlag } from '../../src/settings.ts';

const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);

describe('settings from the environment', () => {
  it('an empty environment: auto backend, accelerator and step engine, every core, Winograd on, auto replicas, a core share of 1', () => {
    assert.deepEqual(engineFromEnv({}), {
      accelerator: 'auto', acceleratorThreads: null, winograd: true, step: 'auto', replicas: 'auto', coreShare: 1, skipMemoryCheck: false,
    });
    assert.equal('backend' in engineFromEnv({}), false);
    assert.deepEqual(engineChoicesFromEnv({}), {});
    assert.equal(debugFromEnv({}), false);
    assert.equal(settingsFromEnv({}).torchPython, undefined);
  });

  it('each engine variable lands in its field', () => {
    const env = {
      MEDFT_BACKEND: 'cpu', MEDFT_ACCELERATOR: 'none', MEDFT_ACCELERATOR_THREADS: '3', MEDFT_ACCELERATOR_WINOGRAD: 'off',
      MEDFT_ENGINE: 'tfjs', MEDFT_REPLICAS: '4', MEDFT_CORE_SHARE: '2', MEDFT_SKIP_MEMORY_CHECK: '1',
    };
    const expected = { backend: 'cpu', accelerator: 'none', acceleratorThreads: 3, winograd: false, step: 'tfjs', replicas: '4', coreShare: 2, skipMemoryCheck: true };
    assert.deepEqual(engineFromEnv(env), expected);
    assert.deepEqual(engineChoicesFromEnv(env), expected);
    for (const a of ['auto', 'onednn', 'none'] as const) assert.equal(engineFromEnv({ MEDFT_ACCELERATOR: a }).accelerator, a);
    assert.equal(engineFromEnv({ MEDFT_ACCELERATOR_WINOGRAD: 'on' }).winograd, true);
    assert.deepEqual(engineChoicesFromEnv({ MEDFT_ACCELERATOR_WINOGRAD: 'on' }), { winograd: true }, 'set, even to the default, is a choice');
    assert.equal(engineFromEnv({ MEDFT_REPLICAS: 'auto' }).replicas, 'auto');
  });

  it('bad values are usage errors that name the variable and the value', () => {
    assert.throws(() => engineFromEnv({ MEDFT_BACKEND: 'gpu' }), usage(/^unknown backend 'gpu' \(from MEDFT_BACKEND\): choose one of tensorflow, wasm, cpu$/));
    assert.throws(() => engineFromEnv({ MEDFT_ACCELERATOR: 'mkl' }), usage(/^unknown accelerator 'mkl' \(from MEDFT_ACCELERATOR\): choose one of auto, onednn, none$/));
    assert.throws(() => engineFromEnv({ MEDFT_ENGINE: 'torch' }), usage(/^unknown engine 'torch' \(from MEDFT_ENGINE\): choose one of auto, native, tfjs$/));
    for (const bad of ['0', '-2', '1.5', 'abc']) {
      assert.throws(() => engineFromEnv({ MEDFT_ACCELERATOR_THREADS: bad }), usage(new RegExp(`^MEDFT_ACCELERATOR_THREADS must be a positive integer, got '${bad}'$`)));
    }
    assert.throws(() => engineFromEnv({ MEDFT_ACCELERATOR_WINOGRAD: 'yes' }), usage(/^MEDFT_ACCELERATOR_WINOGRAD must be 'on' or 'off', got 'yes'$/));
  });

  it('an empty MEDFT_ACCELERATOR_THREADS or MEDFT_BACKEND means unset, as before', () => {
    assert.equal(engineFromEnv({ MEDFT_ACCELERATOR_THREADS: '' }).acceleratorThreads, null);
    assert.equal('backend' in engineFromEnv({ MEDFT_BACKEND: '' }), false);
  });

  it('--backend wins over MEDFT_BACKEND and is checked under its own name', () => {
    const env = engineFromEnv({ MEDFT_BACKEND: 'cpu' });
    assert.equal(withBackendFlag(env, 'wasm').backend, 'wasm');
    assert.equal(withBackendFlag(env, undefined).backend, 'cpu');
    assert.throws(() => withBackendFlag(env, 'gpu'), usage(/unknown backend 'gpu' \(from --backend\)/));
  });

  it('paths: MEDFT_DATA_DIR and MEDFT_WEIGHTS_DIR resolved when set; the cache from MEDFT_CACHE_DIR, XDG_CACHE_HOME or ~/.cache', () => {
    assert.deepEqual(pathsFromEnv({}), { dataDir: null, weightsDir: null, cacheDir: join(homedir(), '.cache', 'medft') });
    assert.deepEqual(pathsFromEnv({ MEDFT_DATA_DIR: 'd', MEDFT_WEIGHTS_DIR: 'w', XDG_CACHE_HOME: 'x' }),
      { dataDir: resolve('d'), weightsDir: resolve('w'), cacheDir: join(resolve('x'), 'medft') });
    assert.equal(pathsFromEnv({ MEDFT_CACHE_DIR: 'c', XDG_CACHE_HOME: 'x' }).cacheDir, resolve('c'));
  });

  it('MEDFT_DEBUG and MEDFT_TORCH_PYTHON', () => {
    assert.equal(debugFromEnv({ MEDFT_DEBUG: '1' }), true);
    const s = settingsFromEnv({ MEDFT_DEBUG: '1', MEDFT_TORCH_PYTHON: '/opt/py/bin/python3' });
    assert.equal(s.debug, true);
    assert.equal(s.torchPython, '/opt/py/bin/python3');
  });
});
