/** BreastMNIST ships with medft so that `npm start` runs on a fresh clone with no environment variables set. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveMedmnist, medmnistCandidates } from '../../src/data/medmnist.ts';
import { shippedDataDir } from '../../src/data/paths.ts';
import { prepareDataset } from '../../src/experiment/data.ts';
import { tempDir, testPaths } from './fixtures.ts';
import type { Paths } from '../../src/paths.ts';

const REPO = resolve(import.meta.dirname, '../..');
const SHIPPED = join(REPO, 'data', 'breastmnist', 'breastmnist.npz');
const SHA256 = '5e68d79723fb3a63a399b0a66b66451799fc2eb3651f469cec0b679cfd743b68';

/** Runs `fn` with no data dir, an empty cache and another working directory, as on a fresh clone. */
async function freshMachine<T>(fn: (paths: Paths) => Promise<T>): Promise<T> {
  const cwd = process.cwd();
  try {
    process.chdir(tempDir('medft-fresh-cwd-'));
    return await fn(testPaths({ cacheDir: tempDir('medft-fresh-cache-') }));
  } finally {
    process.chdir(cwd);
  }
}

test('shipped BreastMNIST: the bytes are the ones SOURCE.txt and SHA256SUMS record, with licence and both citations', () => {
  assert.equal(createHash('sha256').update(readFileSync(SHIPPED)).digest('hex'), SHA256);
  assert.match(readFileSync(join(REPO, 'data', 'breastmnist', 'SHA256SUMS'), 'utf8'), new RegExp(`^${SHA256}  breastmnist\\.npz$`, 'm'));
  const source = readFileSync(join(REPO, 'data', 'breastmnist', 'SOURCE.txt'), 'utf8');
  assert.ok(source.includes(`sha256 ${SHA256}`));
  for (const s of ['CC BY 4.0', 'creativecommons.org/licenses/by/4.0', 'MedMNIST v2', 'Scientific Data 10, 41 (2023)', 'Al-Dhabyani', 'Data in Brief 28, 104863 (2020)']) {
    assert.ok(source.includes(s), `SOURCE.txt names ${s}`);
  }
});

test('shipped BreastMNIST: found by name with no MEDFT_DATA_DIR from any working directory, after the data dir and the cache', async () => {
  assert.equal(shippedDataDir(), join(REPO, 'data') + '/');
  await freshMachine(async (paths) => {
    const found = await resolveMedmnist('breastmnist', { paths });
    assert.equal(found.path, SHIPPED);
    const order = medmnistCandidates('breastmnist', 28, paths);
    assert.deepEqual(order, [join(paths.cacheDir, 'medmnist', 'breastmnist.npz'), SHIPPED], 'the cache (an official download) comes first');
    // What `npm start` does first: resolve the dataset and write the experiment's 160-image subset.
    const out = tempDir('medft-fresh-out-');
    const subset = await prepareDataset('breastmnist', { train: 160 }, out, false, paths);
    assert.ok(subset.startsWith(join(out, 'data')), subset);
    // Other sizes are not shipped: they still need --download, into the cache.
    await assert.rejects(resolveMedmnist('breastmnist_64', { paths }), (e: unknown) => (e as Error).message.includes(join(paths.cacheDir, 'medmnist', 'breastmnist_64.npz')));
  });
});
