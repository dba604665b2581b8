/** Bad input to the CLI: one line on stderr naming the problem, a non-zero exit, never a stack trace. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/medft.js', import.meta.url));
const medft = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });

function assertOneLineError(r: ReturnType<typeof medft>, mentions: RegExp) {
  assert.notEqual(r.status, 0, 'exit status must be non-zero');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], /^medft: /);
  assert.match(lines[0], mentions);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

describe('medft CLI errors', () => {
  it('unknown flag', () => assertOneLineError(medft(['bench', '--kernels', '--bogus']), /unknown option '--bogus'/));
  it('missing required option exits 2 (usage)', () => {
    const r = medft(['worker']);
    assertOneLineError(r, /required option '--queue <url>'/);
    assert.equal(r.status, 2);
  });
  it('unknown command', () => assertOneLineError(medft(['frobnicate']), /unknown command 'frobnicate'/));
  it('unknown backend flag', () => assertOneLineError(medft(['bench', '--kernels', '--backend', 'tpu']), /'tpu'.*tensorflow, wasm, cpu/));
  it('unknown backend in MEDFT_BACKEND', () =>
    assertOneLineError(medft(['bench', '--kernels'], { MEDFT_BACKEND: 'gpu' }), /unknown backend 'gpu' \(from MEDFT_BACKEND\)/));
  it('bad number', () => assertOneLineError(medft(['bench', '--kernels', '--batch', 'two']), /--batch must be a positive integer/));
  it('unknown model', () => assertOneLineError(medft(['bench', '--model', 'resnet51']), /unknown model 'resnet51'.*resnet50/));
  it('neither --kernels nor --model', () => assertOneLineError(medft(['bench']), /'medft bench --kernels' or 'medft bench --model/));
  it('--help exits 0 and teaches', () => {
    const r = medft(['bench', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /--kernels/);
    assert.match(r.stdout, /Examples:/);
  });
});
