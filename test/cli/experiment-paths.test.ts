/**
 * `medft run` and experiment files: a relative dataset path is found from the file's folder whatever the working
 * directory; a missing dataset is a clean message (no MEDFT_DATA_DIR advice or --download for a path), and --dry-run
 * checks every dataset, with or without the probe; a run that stops there leaves no --out folder.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { npy, writeNpz } from '../data/fixtures.ts';
import { failsWith, medft, tempDir } from './bad-input-helpers.ts';

const dir = tempDir('medft-exp-');
const expDir = join(dir, 'experiments');
// Not a sibling of experiments/: '../data' from here is another folder.
const elsewhere = join(dir, 'elsewhere', 'deeper');
mkdirSync(expDir);
mkdirSync(elsewhere, { recursive: true });

/** A small two-class npz: train 20, val 6, test 6 images of 16×16, brighter for class 1. */
function smallNpz(path: string): void {
  const split = (n: number) => {
    const labels = Array.from({ length: n }, (_, i) => i % 2);
    const images = Array.from({ length: n * 256 }, (_, k) => (labels[Math.floor(k / 256)] ? 150 : 40) + (k % 37));
    return { images: npy('|u1', [n, 16, 16], images), labels: npy('|u1', [n, 1], labels) };
  };
  const arrays: Record<string, Uint8Array> = {};
  for (const [s, n] of [['train', 20], ['val', 6], ['test', 6]] as const) {
    const { images, labels } = split(n);
    arrays[`${s}_images`] = images;
    arrays[`${s}_labels`] = labels;
  }
  writeNpz(path, arrays);
}
smallNpz(join(dir, 'data', 'small.npz'));

const grid = (name: string, datasets: string) => {
  const file = join(expDir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\ndatasets: ${datasets}\nmodels: [{ name: tiny_cnn, weights: none }]\nstrategies: [ft]\nepochs: 1\ninputSize: 16\ntrain: { batchSize: 16 }\n`);
  return file;
};

describe('experiment file paths', () => {
  it("a relative path is relative to the file's folder, not to the working directory", () => {
    const file = grid('relative', '[{ name: small, data: ../data/small.npz }]');
    const r = medft(['run', file, '--out', join(dir, 'rel-out'), '--workers', '1', '--no-progress', '--no-report'], { cwd: elsewhere });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /1\/1 cells done/);
  });

  it('a missing path: exit 3 with the path once, no MEDFT_DATA_DIR or --download advice, in --dry-run --no-probe too', () => {
    const missing = join(dir, 'nowhere', 'x.npz');
    const file = grid('missing', `[${missing}]`);
    for (const extra of [['--dry-run', '--no-probe'], ['--dry-run'], []]) {
      const line = failsWith(medft(['run', file, '--out', join(dir, 'missing-out'), ...extra]), 3, new RegExp(`^medft: dataset '${missing}' not found: no such file or folder$`));
      assert.doesNotMatch(line, /--download|MEDFT_DATA_DIR|\/\//);
    }
    assert.ok(!existsSync(join(dir, 'missing-out')), 'no --out folder left behind');
  });

  it('a run whose second dataset is missing stops before any cell and leaves no --out folder (no subset written)', () => {
    const file = grid('second', '[{ name: small, data: ../data/small.npz, subset: { train: 8 } }, ../data/absent.npz]');
    failsWith(medft(['run', file, '--out', join(dir, 'second-out'), '--workers', '1']), 3, /dataset '.*data\/absent\.npz' not found/);
    assert.ok(!readdirSync(dir).includes('second-out'));
  });

  it('a MedMNIST name not downloaded: --dry-run fails naming --download; with --download it says it will download, and does not', () => {
    const cache = tempDir('medft-emptycache-');
    const env = { MEDFT_CACHE_DIR: cache, MEDFT_DATA_DIR: join(dir, 'data') };
    const file = grid('name', '[dermamnist]');
    failsWith(medft(['run', file, '--out', join(dir, 'name-out'), '--dry-run', '--no-probe'], { env }), 3,
      /dataset 'dermamnist' not found \(not in MEDFT_DATA_DIR=.*, nor in the download cache\)/, /add --download/);
    const r = medft(['run', file, '--out', join(dir, 'name-out'), '--dry-run', '--no-probe', '--download'], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /dataset 'dermamnist' is not here yet: it will be downloaded \(--download\)/);
    assert.match(r.stdout, /dermamnist/);
    assert.deepEqual(readdirSync(cache), [], 'a dry run downloads nothing');
  });
});
