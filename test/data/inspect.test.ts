import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { png, sharedDataDir, tempDir, testPaths, write } from './fixtures.ts';
import { inspectDataset } from '../../src/data/inspect.ts';

const repo = resolve(import.meta.dirname, '../..');
const medft = (args: string[]) => spawnSync(process.execPath, [join(repo, 'bin', 'medft.js'), ...args], { encoding: 'utf8', env: { ...process.env, MEDFT_DATA_DIR: sharedDataDir() } });

test('inspect BreastMNIST (CLI --json): split/class counts, size, channels, bit depth, md5 status, the cross-split duplicate', () => {
  const r = medft(['datasets', 'inspect', join(sharedDataDir(), 'breastmnist', 'breastmnist.npz'), '--json']);
  assert.equal(r.status, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.deepEqual(rep.splits.map((s: { split: string; size: number; classCounts: number[] }) => [s.split, s.size, s.classCounts]),
    [['train', 546, [147, 399]], ['val', 78, [21, 57]], ['test', 156, [42, 114]], ['all', 780, [210, 570]]]);
  assert.deepEqual(rep.imageSizes, [{ width: 28, height: 28, count: 780 }]);
  assert.deepEqual(rep.channels, [{ channels: 1, count: 780 }]);
  assert.deepEqual(rep.bitDepths, [{ bits: 8, count: 780 }]);
  assert.equal(rep.medmnist.md5Status, 'modified');
  assert.ok(Math.abs(rep.splits[0].imbalance - 399 / 147) < 1e-12);
  assert.deepEqual(rep.duplicates.examples, [['train[115]', 'test[76]']]);
});

test('inspect the modified PneumoniaMNIST by folder (text): counts, and the train split flagged against the official size', () => {
  const r = medft(['datasets', 'inspect', join(sharedDataDir(), 'pneumoniamnist-modified')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^train\s+3882\s+388\s+3494\s+9\.01$/m);
  assert.match(r.stdout, /^val\s+524\s+135\s+389\s+2\.88$/m);
  assert.match(r.stdout, /^test\s+624\s+234\s+390\s+1\.67$/m);
  assert.match(r.stdout, /train split has 3882 samples, official pneumoniamnist has 4708/);
  assert.match(r.stdout, /MODIFIED: official is 28209eda62fecd6e6a2d98b1501bb15f/);
});

test('inspect a bad folder: every problem listed, exit status 3, no stack trace; cross-split duplicates found', async () => {
  const dir = tempDir();
  const px = (s: number) => png(4, 4, 1, 8, Array.from({ length: 16 }, (_, k) => (k * 5 + s) % 256));
  for (const split of ['train', 'test']) for (const cls of ['x', 'y']) for (let i = 0; i < 3; i++) write(join(dir, split, cls, `${i}.png`), px(i + (cls === 'y' ? 50 : 0) + (split === 'test' ? 100 : 0)));
  write(join(dir, 'test', 'x', 'leak.png'), px(1)); // same pixels as train/x/1.png
  write(join(dir, 'train', 'y', 'broken.png'), 'garbage');
  // Counts are of the files listed; the undecodable one is counted and reported as a problem.
  const rep = await inspectDataset(dir, { paths: testPaths() });
  assert.deepEqual(rep.splits.map((s) => [s.split, s.size, s.classCounts]), [['train', 7, [3, 4]], ['test', 7, [4, 3]], ['all', 14, [7, 7]]]);
  assert.equal(rep.duplicates.crossSplitGroups, 1);
  assert.deepEqual(rep.duplicates.examples[0].sort(), [join('test', 'x', 'leak.png'), join('train', 'x', '1.png')]);
  assert.equal(rep.skipped.length, 1);
  assert.match(rep.skipped[0].problem, /broken\.png: not an image/);
  const r = medft(['datasets', 'inspect', dir]);
  assert.equal(r.status, 3);
  assert.match(r.stdout, /problems\s+1\n\s+- .*broken\.png: not an image/);
  assert.doesNotMatch(r.stdout + r.stderr, /at .*\.ts:\d+/);
  const missing = medft(['datasets', 'inspect', join(dir, 'nope')]);
  assert.equal(missing.status, 3);
  assert.match(missing.stderr, /^medft: dataset '.*nope' not found/);
});

test('datasets list names all twelve and finds the local BreastMNIST', () => {
  const out = execFileSync(process.execPath, [join(repo, 'bin', 'medft.js'), 'datasets', 'list', '--json'], { encoding: 'utf8', env: { ...process.env, MEDFT_DATA_DIR: sharedDataDir() } });
  const rows = JSON.parse(out);
  assert.equal(rows.length, 12);
  assert.equal(rows.find((r: { name: string }) => r.name === 'breastmnist').local['28'], join(sharedDataDir(), 'breastmnist', 'breastmnist.npz'));
});
