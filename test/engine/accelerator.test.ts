/** Choosing the accelerator: what the engine reports (banner, EngineInfo); how OpenMP threads wait. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { engineBanner, engineInfo } from '../../src/engine/backend.ts';
import { openMpWaitSetting, tryLoadOneDnn } from '../../src/engine/native/onednn.ts';
import { useWasm } from '../helpers/backends.ts';

describe('accelerator choice', () => {
  before(useWasm);
  it('the engine uses the addon exactly when it loads and is not switched off, and says so in the banner', () => {
    const info = engineInfo();
    const expected = process.env.MEDFT_ACCELERATOR !== 'none' && tryLoadOneDnn().addon ? 'onednn' : 'none';
    assert.equal(info.accelerator, expected);
    assert.equal(info.acceleratorThreads > 0, expected === 'onednn');
    assert.match(engineBanner(info), new RegExp(`· accelerator ${expected}( \\(\\d+ threads\\))? ·`));
    if (expected === 'none') {
      console.log(`# accelerator none: ${process.env.MEDFT_ACCELERATOR === 'none' ? 'MEDFT_ACCELERATOR=none' : tryLoadOneDnn().reason}`);
    }
  });
});

describe('how OpenMP threads wait', () => {
  it('spin ~0.8 ms before sleeping unless the user set OMP_WAIT_POLICY or GOMP_SPINCOUNT', () => {
    assert.deepEqual(openMpWaitSetting({}), ['GOMP_SPINCOUNT', '30000']);
    assert.equal(openMpWaitSetting({ OMP_WAIT_POLICY: 'passive' }), null);
    assert.equal(openMpWaitSetting({ GOMP_SPINCOUNT: '0' }), null);
  });

  it('the setting is out of the environment again once the addon has loaded, so child processes get their defaults', () => {
    if (!tryLoadOneDnn().addon) return;
    const env = { ...process.env };
    delete env.OMP_WAIT_POLICY;
    delete env.GOMP_SPINCOUNT;
    const code = `import { tryLoadOneDnn } from ${JSON.stringify(new URL('../../src/engine/native/onednn.ts', import.meta.url).href)};
      const loaded = tryLoadOneDnn().addon !== null;
      console.log(JSON.stringify({ loaded, policy: process.env.OMP_WAIT_POLICY ?? null, spin: process.env.GOMP_SPINCOUNT ?? null }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { loaded: true, policy: null, spin: null });
  });
});
