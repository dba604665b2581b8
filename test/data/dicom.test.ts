import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { InputError } from '../../src/errors.ts';
import { decodeImageFile } from '../../src/data/decode.ts';
import { openDataset } from '../../src/data/open.ts';
import { dicom, tempDir, testPaths, write } from './fixtures.ts';

const close = (a: ArrayLike<number>, b: number[], tol = 1e-3) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `pixel ${i}: ${a[i]} vs ${b[i]}`);
};

test('16-bit signed MONOCHROME2 with rescale slope/intercept and a window: hand-computed pixels', async () => {
  const dir = tempDir();
  // Stored values (signed 16-bit), slope 2, intercept −1024 → HU = 2x − 1024. Window centre 40, width 400:
  // lo = 40 − 0.5 − 399/2 = −160, hi = 40 − 0.5 + 399/2 = 239; y = ((HU − 39.5)/399 + 0.5)·255 inside.
  const stored = [-100, 0, 432, 512, 532, 600, 612, 700, 2000];
  const hu = stored.map((x) => 2 * x - 1024); // −1224, −1024, −160, 0, 40, 176, 200, 376, 2976
  const expected = hu.map((h) => (h <= -160 ? 0 : h > 239 ? 255 : ((h - 39.5) / 399 + 0.5) * 255));
  assert.deepEqual(expected.map((v) => Math.round(v * 100) / 100), [0, 0, 0, 102.26, 127.82, 214.74, 230.08, 255, 255]);
  const file = write(join(dir, 'ct.dcm'), dicom({ rows: 3, columns: 3, bitsAllocated: 16, signed: true, photometric: 'MONOCHROME2', slope: 2, intercept: -1024, window: { center: 40, width: 400 }, pixels: stored }));
  const img = await decodeImageFile(file);
  assert.deepEqual([img.format, img.width, img.height, img.channels, img.bitDepth, img.maxValue], ['dicom', 3, 3, 1, 16, 255]);
  close(img.data, expected);
});

test('MONOCHROME1 without a window: rescaled values stretched over their min..max, then inverted', async () => {
  const dir = tempDir();
  const stored = [0, 100, 200, 300, 400, 4095];
  // slope 0.5, intercept 10 → 10, 60, 110, 160, 210, 2057.5; min 10, max 2057.5; MONOCHROME1: 255 − stretched.
  const y = stored.map((x) => 0.5 * x + 10);
  const expected = y.map((v) => 255 - ((v - 10) / (2057.5 - 10)) * 255);
  const file = write(join(dir, 'cr.dcm'), dicom({ rows: 2, columns: 3, bitsAllocated: 16, bitsStored: 12, photometric: 'MONOCHROME1', slope: 0.5, intercept: 10, pixels: stored }));
  const img = await decodeImageFile(file);
  close(img.data, expected);
  assert.equal(img.bitDepth, 12);
  assert.equal(img.data[0], 255, 'lowest value is white in MONOCHROME1');
  assert.equal(img.data[5], 0);
});

test('8-bit unsigned MONOCHROME2 with the window covering 0..255 maps (almost) to itself; signed values sign-extend from BitsStored', async () => {
  const dir = tempDir();
  const stored = [0, 64, 128, 255];
  const img = await decodeImageFile(write(join(dir, 'a.dcm'), dicom({ rows: 2, columns: 2, bitsAllocated: 8, photometric: 'MONOCHROME2', window: { center: 128, width: 256 }, pixels: stored })));
  close(img.data, stored.map((x) => (x <= 0 ? 0 : x > 255 ? 255 : ((x - 127.5) / 255 + 0.5) * 255)));
  // 12 bits stored in 16, signed: 0x0FFF is −1, 0x0800 is −2048; no window → min..max stretch.
  const s = await decodeImageFile(write(join(dir, 's.dcm'), dicom({ rows: 1, columns: 3, bitsAllocated: 16, bitsStored: 12, signed: true, photometric: 'MONOCHROME2', pixels: [0x0fff, 0x0800, 0x07ff] })));
  close(s.data, [(-1 + 2048) / 4095 * 255, 0, 255]);
});

test('bad DICOM: truncated pixel data, compressed transfer syntax, a lone file is not a dataset; a DICOM folder without extensions works', async () => {
  const dir = tempDir();
  const good = dicom({ rows: 4, columns: 4, bitsAllocated: 16, photometric: 'MONOCHROME2', pixels: Array.from({ length: 16 }, (_, i) => i * 100) });
  const cut = write(join(dir, 'cut.dcm'), good.subarray(0, good.length - 10));
  await assert.rejects(decodeImageFile(cut), (e: unknown) => e instanceof InputError && e.message.startsWith(cut) && /DICOM/.test(e.message));
  const jpeg = write(join(dir, 'jpeg.dcm'), dicom({ rows: 2, columns: 2, bitsAllocated: 8, photometric: 'MONOCHROME2', transferSyntax: '1.2.840.10008.1.2.4.50', pixels: [1, 2, 3, 4] }));
  await assert.rejects(decodeImageFile(jpeg), /compressed transfer syntax 1\.2\.840\.10008\.1\.2\.4\.50 is not supported; decompress/);
  await assert.rejects(openDataset(join(dir, 'cut.dcm'), { paths: testPaths() }), /a single DICOM file is not a dataset/);

  const root = join(dir, 'series');
  for (const [cls, k] of [['normal', 3], ['fracture', 2]] as const) {
    for (let i = 0; i < k; i++) write(join(root, cls, `patient${i}`, `IM${i}`), dicom({ rows: 2, columns: 2, bitsAllocated: 16, photometric: 'MONOCHROME2', pixels: [i, 10, 20, 30] }));
  }
  const ds = await openDataset(root, { kind: 'dicom', verify: true, paths: testPaths() });
  assert.equal(ds.kind, 'dicom');
  assert.deepEqual(ds.classNames, ['fracture', 'normal']);
  assert.deepEqual(Array.from(ds.labels), [0, 0, 1, 1, 1]);
  assert.equal(ds.channels, 1);
  assert.equal((await ds.load(0)).format, 'dicom');
});
