import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { InputError } from '../../src/errors.ts';
import { decodeImageFile } from '../../src/data/decode.ts';
import { openImageFolder } from '../../src/data/image-folder.ts';
import { openDataset } from '../../src/data/open.ts';
import { preprocess } from '../../src/data/preprocess.ts';
import { bmp, png, sharedDataDir, tempDir, testPaths, write } from './fixtures.ts';

const grey = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

test('16-bit PNG keeps its 16-bit values, and preprocessing keeps distinctions 8 bits would lose', async () => {
  const dir = tempDir();
  // Values 1000 apart below 256 × 257 and values only 1 apart: an 8-bit path would merge 40000 and 40001.
  const values = [0, 1, 255, 256, 40000, 40001, 65534, 65535, 12345];
  const file = write(join(dir, 'x16.png'), png(3, 3, 1, 16, values));
  const img = await decodeImageFile(file);
  assert.equal(img.bitDepth, 16);
  assert.equal(img.channels, 1);
  assert.equal(img.maxValue, 65535);
  assert.ok(img.data instanceof Uint16Array);
  assert.deepEqual(Array.from(img.data), values);
  // Identity spec (scale 1, mean 0, std 1) at the same size: values come out as v · 255 / 65535, exactly.
  const out = preprocess(img, { inputSize: 3, channelOrder: 'RGB', scale: 1, mean: [0, 0, 0], std: [1, 1, 1] });
  for (let i = 0; i < 9; i++) for (let c = 0; c < 3; c++) assert.ok(Math.abs(out[i * 3 + c] - (values[i] * 255) / 65535) < 1e-4);
  assert.notEqual(out[4 * 3], out[5 * 3], '40000 and 40001 stay distinct');
  // 16-bit RGB too.
  const rgb = grey(2 * 2 * 3, (i) => i * 5000 + 3);
  const img3 = await decodeImageFile(write(join(dir, 'rgb16.png'), png(2, 2, 3, 16, rgb)));
  assert.deepEqual([img3.channels, img3.bitDepth, Array.from(img3.data)], [3, 16, rgb]);
});

test('8-bit PNG, BMP (grey palette and 24-bit), TIFF, JPEG decode to the pixels written', async () => {
  const dir = tempDir();
  const g = grey(5 * 3, (i) => (i * 17) % 256);
  const c = grey(5 * 3 * 3, (i) => (i * 29) % 256);
  assert.deepEqual(Array.from((await decodeImageFile(write(join(dir, 'a.png'), png(5, 3, 1, 8, g)))).data), g);
  const b1 = await decodeImageFile(write(join(dir, 'a.bmp'), bmp(5, 3, 1, g)));
  assert.deepEqual([b1.channels, b1.width, b1.height, Array.from(b1.data)], [1, 5, 3, g]);
  const b3 = await decodeImageFile(write(join(dir, 'c.bmp'), bmp(5, 3, 3, c)));
  assert.deepEqual([b3.channels, Array.from(b3.data)], [3, c]);
  const tif = await sharp(Buffer.from(g), { raw: { width: 5, height: 3, channels: 1 } }).toColourspace('b-w').tiff({ compression: 'lzw' }).toFile(join(dir, 'a.tif'));
  assert.ok(tif.size > 0);
  const t = await decodeImageFile(join(dir, 'a.tif'));
  assert.deepEqual([t.format, t.channels, Array.from(t.data)], ['tiff', 1, g]);
  await sharp(Buffer.alloc(16 * 16, 200), { raw: { width: 16, height: 16, channels: 1 } }).toColourspace('b-w').jpeg({ quality: 100 }).toFile(join(dir, 'a.jpg'));
  const j = await decodeImageFile(join(dir, 'a.jpg'));
  assert.equal(j.format, 'jpeg');
  assert.equal(j.channels, 1);
  assert.ok(Array.from(j.data).every((v) => Math.abs(v - 200) <= 1));
});

function makeFolder(root: string, layout: Record<string, number>, opts: { rgb?: string[] } = {}) {
  for (const [cls, n] of Object.entries(layout)) {
    for (let i = 0; i < n; i++) {
      const rgb = opts.rgb?.includes(cls);
      write(join(root, cls, `img${String(i).padStart(3, '0')}.png`), png(4, 4, rgb ? 3 : 1, 8, grey(16 * (rgb ? 3 : 1), (k) => (k + i * 3) % 256)));
    }
  }
}

test('image folders: root/<class>/* and root/<split>/<class>/*, labels from folder names, sorted and stable', async () => {
  const dir = tempDir();
  makeFolder(join(dir, 'flat'), { benign: 3, malignant: 2, normal: 4 });
  write(join(dir, 'flat', 'README.txt'), 'root files are ignored');
  write(join(dir, 'flat', 'benign', '.DS_Store'), 'x');
  const flat = await openImageFolder(join(dir, 'flat'));
  assert.deepEqual(flat.classNames, ['benign', 'malignant', 'normal']);
  assert.deepEqual(Array.from(flat.labels), [0, 0, 0, 1, 1, 2, 2, 2, 2]);
  assert.equal(flat.officialSplit, undefined);
  assert.equal(flat.sampleId(3), join('malignant', 'img000.png'));

  makeFolder(join(dir, 'split', 'train'), { a: 3, b: 3 });
  makeFolder(join(dir, 'split', 'validation'), { a: 1, b: 1 });
  makeFolder(join(dir, 'split', 'test'), { a: 2, b: 1 });
  const split = await openDataset(join(dir, 'split'), { paths: testPaths() });
  assert.equal(split.kind, 'folder');
  assert.deepEqual(split.classNames, ['a', 'b']);
  const bySplit: Record<string, number> = {};
  split.officialSplit!.forEach((s) => (bySplit[s] = (bySplit[s] ?? 0) + 1));
  assert.deepEqual(bySplit, { train: 6, val: 2, test: 3 });
});

test('real MedNIST: 6 classes × 2000 64×64 grey JPEGs, counts equal a directory listing', async () => {
  const root = join(sharedDataDir(), 'mednist');
  const ds = await openDataset(root, { paths: testPaths() });
  const expected = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  assert.deepEqual(ds.classNames, expected);
  assert.equal(ds.classNames.length, 6);
  const counts = ds.classNames.map((_, c) => ds.labels.filter((l) => l === c).length);
  assert.deepEqual(counts, expected.map((c) => readdirSync(join(root, c)).length));
  assert.deepEqual(counts, [2000, 2000, 2000, 2000, 2000, 2000]);
  const img = await ds.load(4321);
  assert.deepEqual([img.width, img.height, img.channels, img.bitDepth, img.format], [64, 64, 1, 8, 'jpeg']);
});

test('bad folders: truncated image, non-image file, empty class folder, single class, mixed channels — each named; skipBad lists them', async () => {
  const dir = tempDir();
  const root = join(dir, 'bad');
  makeFolder(root, { a: 3, b: 3 });
  const good = readFileSync(join(root, 'a', 'img000.png'));
  const truncated = write(join(root, 'a', 'truncated.png'), good.subarray(0, good.length - 30));
  const notImage = write(join(root, 'b', 'notes.txt'), 'hello');
  await assert.rejects(openImageFolder(root), (e: unknown) => e instanceof InputError && e.message.includes(notImage) && /not an image file/.test(e.message));
  await assert.rejects(openImageFolder(root, { verify: true, skipBad: false }), InputError);
  const skipped = await openImageFolder(root, { verify: true, skipBad: true });
  assert.equal(skipped.size, 6);
  assert.deepEqual(skipped.skipped.map((s) => s.file).sort(), [notImage, truncated].sort());
  assert.match(skipped.skipped.find((s) => s.file === truncated)!.problem, /cannot decode PNG/);
  // Without verify the truncated file is found when loaded.
  const lazy = await openImageFolder(root, { skipBad: true });
  const idx = Array.from({ length: lazy.size }, (_, i) => i).find((i) => lazy.filePath(i) === truncated)!;
  await assert.rejects(lazy.load(idx), (e: unknown) => e instanceof InputError && e.message.startsWith(truncated));

  const empty = join(dir, 'empty');
  makeFolder(empty, { a: 2, b: 2 });
  (await import('node:fs')).mkdirSync(join(empty, 'c'));
  await assert.rejects(openImageFolder(empty), (e: unknown) => e instanceof InputError && e.message.includes(join(empty, 'c')) && /empty class folder/.test(e.message));
  assert.deepEqual((await openImageFolder(empty, { skipBad: true })).classNames, ['a', 'b']);

  const single = join(dir, 'single');
  makeFolder(single, { only: 3 });
  await assert.rejects(openImageFolder(single), /only one class \('only'\)/);

  const mixed = join(dir, 'mixed');
  makeFolder(mixed, { g: 2, c: 2 }, { rgb: ['c'] });
  // Grey and RGB together: read as RGB (the grey value in each channel), with a warning from the verify pass.
  const verified = await openImageFolder(mixed, { verify: true });
  assert.equal(verified.channels, 3);
  const lazyMixed = await openImageFolder(mixed);
  for (const ds of [verified, lazyMixed]) {
    for (let i = 0; i < ds.size; i++) {
      const img = await ds.load(i);
      const file = ds.filePath(i)!;
      assert.equal(img.channels, 3, file);
      const raw = await decodeImageFile(file);
      for (let p = 0; p < raw.width * raw.height; p++) {
        for (let c = 0; c < 3; c++) assert.equal(img.data[p * 3 + c], raw.data[p * raw.channels + (raw.channels === 1 ? 0 : c)]);
      }
    }
  }
  const forced = await openImageFolder(mixed, { verify: true, channels: 3 });
  assert.equal(forced.channels, 3);
  const grey3 = await forced.load(2);
  assert.equal(grey3.channels, 3);

  const noClasses = join(dir, 'noclasses');
  write(join(noClasses, 'x.png'), good);
  await assert.rejects(openImageFolder(noClasses), /no class folders/);
  writeFileSync(join(dir, 'notes.dat'), 'x');
  await assert.rejects(openDataset(join(dir, 'notes.dat'), { paths: testPaths() }), /cannot tell what kind of dataset/);
});
