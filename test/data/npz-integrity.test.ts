/** A damaged .npz is refused, naming the file and the entry, as numpy refuses it ("Bad CRC-32"), instead of read. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32, crc32Portable } from '../../src/data/crc32.ts';
import { NpzFile } from '../../src/data/npz.ts';
import { openDataset } from '../../src/data/open.ts';
import { InputError } from '../../src/errors.ts';
import { npy, tempDir, testPaths, writeNpz } from './fixtures.ts';

const REAL = fileURLToPath(new URL('../../data/breastmnist/breastmnist.npz', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/medft.js', import.meta.url));

/** A copy of `src` in a temp dir with `n` bytes zeroed from `at` (default: the middle of the file). */
function damagedCopy(src: string, n = 2000, at?: number): string {
  const b = readFileSync(src);
  const from = at ?? Math.floor(b.length / 2);
  b.fill(0, from, from + n);
  const out = join(tempDir('medft-damaged-'), 'breastmnist.npz');
  writeFileSync(out, b);
  return out;
}

const isDamaged = (file: string, entry: string) => (e: unknown) =>
  e instanceof InputError && e.message.startsWith(`${file}: entry '${entry}'`) && e.message.endsWith('the file is damaged; download it again');

test('crc32: zlib\'s and the portable table agree, also continued over chunks', () => {
  const data = randomBytes(100_003);
  const whole = zlibCrc32(data) >>> 0;
  assert.equal(crc32(data), whole);
  assert.equal(crc32Portable(data, 0), whole);
  assert.equal(crc32Portable(data.subarray(5000), crc32Portable(data.subarray(0, 5000), 0)), whole);
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926, 'the standard check value');
});

test('real BreastMNIST with 2,000 bytes zeroed mid-file: refused (InputError, exit 3) naming the file and entry', async () => {
  const bad = damagedCopy(REAL);
  await assert.rejects(openDataset(bad, { paths: testPaths() }), isDamaged(bad, 'train_images.npy'));
  const r = spawnSync(process.execPath, [bin, 'datasets', 'inspect', bad, '--no-progress'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 3, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /entry 'train_images\.npy' fails its CRC-32 check .*; the file is damaged; download it again$/m);
  // The intact file still opens.
  const ds = await openDataset(REAL, { paths: testPaths() });
  assert.equal(ds.size, 780);
  await ds.close();
});

test('large deflated entries (inflated to the cache): a damaged one is refused and nothing is cached', async () => {
  const cache = tempDir('medft-npz-cache-');
  const bad = damagedCopy(REAL);
  const npz = await NpzFile.open(bad, cache, 0); // every deflated entry counts as large
  try {
    await assert.rejects(npz.array('train_images'), isDamaged(bad, 'train_images.npy'));
  } finally {
    await npz.close();
  }
  assert.deepEqual(existsSync(join(cache, 'npz')) ? readdirSync(join(cache, 'npz')) : [], [], 'no inflated copy, no temporary');
});

test('stored (numpy.savez) entries: damaged bytes and sizes that disagree are refused', async () => {
  const dir = tempDir();
  const file = join(dir, 'stored.npz');
  const images = Array.from({ length: 4 * 8 * 8 }, (_, i) => i % 251);
  writeNpz(file, { images: npy('|u1', [4, 8, 8], images), labels: npy('|u1', [4], [0, 1, 0, 1]) }, 0);
  const cache = tempDir('medft-npz-cache-');
  const good = await NpzFile.open(file, cache);
  assert.deepEqual(Array.from(await (await good.array('images')).readRows(0, 4) as Uint8Array), images);
  await good.close();

  const bytes = readFileSync(file);
  const at = bytes.indexOf(Buffer.from([100, 101, 102, 103])); // inside the image data
  assert.ok(at > 0);
  const zeroed = damagedCopy(file, 16, at);
  const npz = await NpzFile.open(zeroed, cache);
  await assert.rejects(npz.array('images'), isDamaged(zeroed, 'images.npy'));
  assert.ok(await npz.array('labels'), 'an intact entry of the same file still reads');
  await npz.close();

  // The central directory's uncompressed size of the first entry (offset 24 of its header) made to disagree.
  const sized = Buffer.from(bytes);
  const cd = sized.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), sized.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) - 1);
  sized.writeUInt32LE(sized.readUInt32LE(cd + 24) - 1, cd + 24);
  const sizedFile = join(dir, 'sized.npz');
  writeFileSync(sizedFile, sized);
  const s = await NpzFile.open(sizedFile, cache);
  await assert.rejects(s.array('images'), isDamaged(sizedFile, 'images.npy'));
  await s.close();
});
