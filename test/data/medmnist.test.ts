import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, ResourceError, UsageError } from '../../src/errors.ts';
import { MEDMNIST, checkMedmnistMd5, downloadMedmnist, md5File, medmnistInfo, parseMedmnistName, resolveMedmnist } from '../../src/data/medmnist.ts';
import { openDataset } from '../../src/data/open.ts';
import { sharedDataDir, tempDir, testPaths } from './fixtures.ts';

test('registry: the twelve MedMNIST v2 2D datasets with classes, splits, license and four md5s each', () => {
  assert.deepEqual(MEDMNIST.map((m) => m.name).sort(), ['bloodmnist', 'breastmnist', 'chestmnist', 'dermamnist', 'octmnist', 'organamnist', 'organcmnist', 'organsmnist', 'pathmnist', 'pneumoniamnist', 'retinamnist', 'tissuemnist']);
  for (const m of MEDMNIST) {
    for (const s of [28, 64, 128, 224] as const) assert.match(m.md5[s], /^[0-9a-f]{32}$/, `${m.name} ${s}`);
    assert.ok(m.classNames.length >= 2 && m.modality && m.license.startsWith('CC BY'));
  }
  const md5s = MEDMNIST.flatMap((m) => Object.values(m.md5));
  assert.equal(new Set(md5s).size, md5s.length, 'every file has its own md5');
  const breast = medmnistInfo('breastmnist')!;
  assert.deepEqual(breast.splits, { train: 546, val: 78, test: 156 });
  assert.equal(breast.md5[28], '750601b1f35ba3300ea97c75c52ff8f6');
  assert.deepEqual(medmnistInfo('pneumoniamnist')!.splits, { train: 4708, val: 524, test: 624 });
  assert.equal(medmnistInfo('chestmnist')!.classNames.length, 14);
  assert.deepEqual(parseMedmnistName('breastmnist_64')?.size, 64);
  assert.throws(() => parseMedmnistName('breastmnist_100'), UsageError);
});

test('md5: computed over the file, and the real modified copies are recognised as not official', async () => {
  const dir = tempDir();
  const f = join(dir, 'x.bin');
  writeFileSync(f, Buffer.alloc(3_000_000, 7));
  assert.equal(await md5File(f), createHash('md5').update(readFileSync(f)).digest('hex'));
  const breast = await checkMedmnistMd5(join(sharedDataDir(), 'breastmnist', 'breastmnist.npz'), medmnistInfo('breastmnist')!, 28);
  assert.deepEqual(breast, { md5: '098de56cd2d92ef2f7170e6153c02849', status: 'modified', expected: '750601b1f35ba3300ea97c75c52ff8f6' });
  const pneu = await checkMedmnistMd5(join(sharedDataDir(), 'pneumoniamnist-modified', 'pneumoniamnist.npz'), medmnistInfo('pneumoniamnist')!, 28);
  assert.equal(pneu.md5, 'f5b994ec7c2fe8bc81ae15cbab7c3df8');
  assert.equal(pneu.status, 'modified');
  // A file whose md5 is the registry's is official.
  const info = { ...medmnistInfo('breastmnist')!, md5: { ...medmnistInfo('breastmnist')!.md5, 28: await md5File(f) } };
  assert.equal((await checkMedmnistMd5(f, info, 28)).status, 'official');
});

test('by name: found through the data dir; when absent and offline a ResourceError names the file and where to put it', async () => {
  const cache = tempDir();
  const paths = testPaths({ dataDir: sharedDataDir(), cacheDir: cache });
  const found = await resolveMedmnist('breastmnist', { paths });
  assert.equal(found.path, join(sharedDataDir(), 'breastmnist', 'breastmnist.npz'));
  const ds = await openDataset('breastmnist', { paths });
  assert.equal(ds.size, 780);
  await ds.close();

  const target = join(cache, 'medmnist', 'dermamnist_64.npz');
  await assert.rejects(resolveMedmnist('dermamnist', { size: 64, paths }), (e: unknown) =>
    e instanceof ResourceError && e.message.includes('dermamnist_64.npz') && e.message.includes(target) && e.message.includes('--download'));
  const offlineFetch = (async () => { throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }); }) as unknown as typeof fetch;
  await assert.rejects(resolveMedmnist('dermamnist_64', { download: true, fetchImpl: offlineFetch, paths }), (e: unknown) =>
    e instanceof ResourceError && /could not download dermamnist_64\.npz from https:\/\/zenodo\.org\/records\/10519652\/files\/dermamnist_64\.npz/.test(e.message) &&
    e.message.includes('ENOTFOUND') && e.message.includes(target));
  assert.equal(existsSync(target), false);
});

test('download: md5-checked; a corrupt body leaves nothing behind, a good one is renamed into place', async () => {
  const dir = tempDir();
  const body = Buffer.from('pretend npz bytes '.repeat(1000));
  const fetchBody = (async () => new Response(body, { status: 200, headers: { 'content-length': String(body.length) } })) as unknown as typeof fetch;
  const info = medmnistInfo('retinamnist')!;
  const target = join(dir, 'retinamnist.npz');
  await assert.rejects(downloadMedmnist(info, 28, target, { fetchImpl: fetchBody }), (e: unknown) => e instanceof InputError && e.message.includes(info.md5[28]));
  assert.deepEqual(readdirSync(dir), [], 'no partial file left');
  const good = { ...info, md5: { ...info.md5, 28: createHash('md5').update(body).digest('hex') } };
  await downloadMedmnist(good, 28, target, { fetchImpl: fetchBody });
  assert.deepEqual(readFileSync(target), body);
  const notFound = (async () => new Response('nope', { status: 404 })) as unknown as typeof fetch;
  await assert.rejects(downloadMedmnist(info, 28, join(dir, 'other.npz'), { fetchImpl: notFound }), /HTTP 404/);
});
