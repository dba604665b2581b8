/** Shared by the bad-input CLI tests: run `medft` in a child process, and write small broken inputs to a temp dir. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { png, sharedDataDir } from '../data/fixtures.ts';

export { tempDir } from '../data/fixtures.ts';

const bin = fileURLToPath(new URL('../../bin/medft.js', import.meta.url));

export type CliResult = ReturnType<typeof spawnSync> & { stdout: string; stderr: string };

export function medft(args: string[], o: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  return spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8', cwd: o.cwd, timeout: 180_000,
    env: { ...process.env, MEDFT_DATA_DIR: sharedDataDir(), ...o.env },
  }) as CliResult;
}

/** The last line medft wrote to stderr (its error line), with the exit status checked first. */
export function failsWith(r: CliResult, status: number, ...mentions: RegExp[]): string {
  const last = r.stderr.trim().split('\n').at(-1) ?? '';
  assert.equal(r.status, status, `exit ${r.status}, expected ${status}; stderr:\n${r.stderr}`);
  assert.match(last, /^medft: /);
  assert.doesNotMatch(r.stderr, /internal error|this is a bug/);
  for (const m of mentions) assert.match(last, m);
  return last;
}

/** tiny_cnn at 16 px for one epoch: the cheapest real training run. */
export const TINY = ['--model', 'tiny_cnn', '--strategy', 'ft', '--size', '16', '--batch', '16', '--no-progress', '--epochs', '1'];

/**
 * root/{train,val,test}/{a,b}/NN.png, small grey PNGs (8, 3 and 3 per class); `damaged` cuts train/a/03.png short,
 * as an interrupted copy would, so training (not evaluation) is what meets it.
 */
export function imageFolder(root: string, damaged = false): { root: string; bad: string } {
  const counts = { train: 8, val: 3, test: 3 };
  for (const [s, [split, n]] of Object.entries(counts).entries()) {
    for (const [c, cls] of ['a', 'b'].entries()) {
      mkdirSync(join(root, split, cls), { recursive: true });
      for (let i = 0; i < n; i++) {
        const values = Array.from({ length: 16 * 16 }, (_, k) => (k * (i + 3) + 97 * c + 41 * s) % 256);
        writeFileSync(join(root, split, cls, `${String(i).padStart(2, '0')}.png`), png(16, 16, 1, 8, values));
      }
    }
  }
  const bad = join(root, 'train', 'a', '03.png');
  if (damaged) {
    // Noise compresses poorly, so cutting the file in half lands inside the image data.
    const noise = png(16, 16, 1, 8, Array.from({ length: 256 }, (_, k) => (Math.imul(k + 1, 2654435761) >>> 24) & 255));
    writeFileSync(bad, noise.subarray(0, noise.length >> 1));
  }
  return { root, bad };
}
