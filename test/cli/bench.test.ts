/** `medft bench --kernels --json` end to end, on ResNet-50's conv shapes at a tiny image size. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/medft.js', import.meta.url));

describe('medft bench --kernels --json', () => {
  it('reports every ResNet-50 conv shape with forward and both gradients, each matching the cpu backend', () => {
    const r = spawnSync(process.execPath, [bin, 'bench', '--kernels', '--sizes', '32', '--batch', '2', '--reps', '1', '--json',
      '--backend', 'wasm'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^medft .* backend wasm · 1 thread/);
    const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    assert.equal(rows.length, 20 * 3, '20 distinct conv shapes × (forward, filter gradient, input gradient)');
    assert.equal(rows.reduce((n, row) => n + (row.kernel === 'Conv2D' ? (row.count as number) : 0), 0), 53, 'ResNet-50 has 53 convs');
    for (const row of rows) {
      for (const key of ['kernel', 'shape', 'gflops', 'forwardGflops', 'maxRelErr']) assert.ok(key in row, `${key} missing`);
      assert.ok((row.gflops as number) > 0);
      if (row.kernel !== 'Conv2D') assert.ok((row.maxRelErr as number) < 1e-5, `${row.kernel} ${row.shape}: ${row.maxRelErr}`);
    }
  });
});
