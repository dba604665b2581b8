import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { InputError } from '../../src/errors.ts';
import { openNpz } from '../../src/data/npz-source.ts';
import { openDataset } from '../../src/data/open.ts';
import { npy, sharedDataDir, tempDir, testPaths, writeNpz } from './fixtures.ts';

/** Independent count: unzip the whole file with fflate and read the label bytes after each .npy header. */
function labelCounts(file: string): Record<string, number[]> {
  const z = unzipSync(readFileSync(file));
  const out: Record<string, number[]> = {};
  for (const split of ['train', 'val', 'test']) {
    const a = z[`${split}_labels.npy`];
    const hl = a[8] | (a[9] << 8);
    const counts: number[] = [];
    for (const v of a.subarray(10 + hl)) counts[v] = (counts[v] ?? 0) + 1;
    out[split] = counts;
  }
  return out;
}

function countsByOfficialSplit(ds: Awaited<ReturnType<typeof openNpz>>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  ds.officialSplit!.forEach((s, i) => {
    out[s] ??= [];
    out[s][ds.labels[i]] = (out[s][ds.labels[i]] ?? 0) + 1;
  });
  return out;
}

test('real BreastMNIST: 546/78/156, 2 classes, 28×28 grey, counts equal an independent read', async () => {
  const file = join(sharedDataDir(), 'breastmnist', 'breastmnist.npz');
  const ds = await openNpz(file, { paths: testPaths() });
  try {
    assert.equal(ds.name, 'breastmnist');
    assert.deepEqual(ds.splitSizes, { train: 546, val: 78, test: 156 });
    assert.deepEqual(ds.classNames, ['malignant', 'normal, benign']);
    assert.deepEqual(ds.imageSize, { width: 28, height: 28 });
    assert.equal(ds.channels, 1);
    assert.deepEqual(countsByOfficialSplit(ds), labelCounts(file));
    // Pixels of one sample equal the bytes in the file.
    const z = unzipSync(readFileSync(file));
    const arr = z['test_images.npy'];
    const hl = arr[8] | (arr[9] << 8);
    const img = await ds.load(546 + 78 + 10);
    assert.deepEqual(Array.from(img.data), Array.from(arr.subarray(10 + hl + 10 * 784, 10 + hl + 11 * 784)));
  } finally {
    await ds.close();
  }
});

test('real modified PneumoniaMNIST: labels stored (N,1), train 3882 = 388 + 3494, found by name via MEDFT_DATA_DIR layout', async () => {
  const file = join(sharedDataDir(), 'pneumoniamnist-modified', 'pneumoniamnist.npz');
  const ds = await openNpz(file, { paths: testPaths() });
  try {
    assert.deepEqual(ds.splitSizes, { train: 3882, val: 524, test: 624 });
    const counts = countsByOfficialSplit(ds);
    assert.deepEqual(counts, labelCounts(file));
    assert.deepEqual(counts.train, [388, 3494]);
    assert.equal(ds.labelWidth, 1);
  } finally {
    await ds.close();
  }
  // A folder holding one .npz opens as that npz.
  const viaFolder = await openDataset(join(sharedDataDir(), 'breastmnist'), { paths: testPaths() });
  assert.equal(viaFolder.kind, 'npz');
  assert.equal(viaFolder.size, 780);
  await viaFolder.close();
});

function rgbNpz(n: number[], opts: { labelShape?: '1d' | '2d'; level?: 0 | 6 } = {}) {
  const arrays: Record<string, Uint8Array> = {};
  const expect: { split: string; pixels: number[]; label: number }[] = [];
  ['train', 'val', 'test'].forEach((split, s) => {
    const count = n[s];
    const px: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < count; i++) {
      const label = i % 5;
      const pixels = Array.from({ length: 4 * 4 * 3 }, (_, k) => (i * 7 + k * 3 + s * 11) % 256);
      px.push(...pixels);
      labels.push(label);
      expect.push({ split, pixels, label });
    }
    arrays[`${split}_images`] = npy('|u1', [count, 4, 4, 3], px);
    arrays[`${split}_labels`] = opts.labelShape === '2d' ? npy('|u1', [count, 1], labels) : npy('<i8', [count], labels);
  });
  return { arrays, expect };
}

test('generated RGB npz with 5 classes: (N,1) and (N,) labels, stored and deflated, large entries via the cache file', async () => {
  const dir = tempDir();
  const paths = testPaths({ cacheDir: join(dir, 'cache') });
  for (const [labelShape, level, limit] of [['2d', 6, undefined], ['1d', 0, undefined], ['1d', 6, 100]] as const) {
    const { arrays, expect } = rgbNpz([12, 5, 6], { labelShape });
    const file = join(dir, `five-${labelShape}-${level}-${limit}.npz`);
    writeNpz(file, arrays, level);
    const ds = await openNpz(file, { inMemoryLimit: limit, paths });
    try {
      assert.equal(ds.size, 23);
      assert.equal(ds.channels, 3);
      assert.deepEqual(ds.classNames, ['0', '1', '2', '3', '4']);
      assert.equal(ds.task, 'multi-class');
      for (let i = 0; i < ds.size; i++) {
        assert.equal(ds.labels[i], expect[i].label);
        assert.equal(ds.officialSplit![i], expect[i].split);
        const img = await ds.load(i);
        assert.equal(img.channels, 3);
        assert.deepEqual(Array.from(img.data), expect[i].pixels, `sample ${i}`);
      }
    } finally {
      await ds.close();
    }
    if (limit) assert.ok(readdirSync(join(dir, 'cache', 'npz')).some((f) => f.includes('train_images')), 'large entry inflated into the cache');
  }
});

test('bad npz files: missing keys, mismatched lengths, label out of range, single class, not a zip, truncated', async () => {
  const dir = tempDir();
  const { arrays } = rgbNpz([10, 5, 5]);
  const cases: [string, Record<string, Uint8Array> | Buffer, RegExp][] = [
    ['missing.npz', (() => { const a = { ...arrays }; delete a.val_labels; return a; })(), /missing key 'val_labels'/],
    ['mismatch.npz', { ...arrays, train_labels: npy('|u1', [9], new Array(9).fill(1)) }, /train_images has 10 images but train_labels has 9 labels/],
    ['negative.npz', { ...arrays, test_labels: npy('|i1', [5], [0, 1, -1, 2, 3]) }, /label -1 at test\[2\] is out of range/],
    ['single.npz', { train_images: arrays.train_images, train_labels: npy('|u1', [10], new Array(10).fill(2)) }, /a single class/],
    ['nozip.npz', Buffer.from('this is not a zip file at all'), /not a zip archive/],
  ];
  for (const [name, content, re] of cases) {
    const file = join(dir, name);
    if (Buffer.isBuffer(content)) (await import('node:fs')).writeFileSync(file, content);
    else writeNpz(file, content);
    await assert.rejects(openNpz(file, { paths: testPaths() }), (e: unknown) => e instanceof InputError && re.test(e.message) && e.message.includes(file), name);
  }
  // A MedMNIST file name fixes the class count: label 2 is out of range for BreastMNIST's two classes.
  const bm = join(dir, 'breastmnist.npz');
  writeNpz(bm, { ...arrays, train_labels: npy('|u1', [10], [0, 1, 0, 1, 2, 0, 1, 0, 1, 0]) });
  await assert.rejects(openNpz(bm, { paths: testPaths() }), /label 2 at train\[4\] is out of range \(breastmnist has classes 0\.\.1\)/);
  // Truncated: cut the file in the middle of the first entry.
  const whole = readFileSync(join(dir, 'missing.npz'));
  const cut = join(dir, 'cut.npz');
  (await import('node:fs')).writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
  await assert.rejects(openNpz(cut, { paths: testPaths() }), InputError);
});
