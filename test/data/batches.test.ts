import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { batches, epochOrder } from '../../src/data/batches.ts';
import { ResizedCache } from '../../src/data/cache.ts';
import { openImageFolder } from '../../src/data/image-folder.ts';
import { openNpz } from '../../src/data/npz-source.ts';
import { preprocess, DEFAULT_AUGMENT } from '../../src/data/preprocess.ts';
import { TORCH_SPEC } from '../../src/data/preprocess-spec.ts';
import { classWeights, makeSplits } from '../../src/data/splits.ts';
import { png, sharedDataDir, tempDir, testPaths, write } from './fixtures.ts';

const spec = { ...TORCH_SPEC, inputSize: 32 };

test('batches over real BreastMNIST: official split, every train sample once per epoch, pixels equal per-image preprocessing', async () => {
  const ds = await openNpz(join(sharedDataDir(), 'breastmnist', 'breastmnist.npz'), { paths: testPaths() });
  try {
    const s = makeSplits(ds, { seed: 7 });
    assert.equal(s.method, 'official');
    assert.deepEqual([s.train.length, s.val.length, s.test.length], [546, 78, 156]);
    const seen: number[] = [];
    let nb = 0;
    for await (const b of batches(ds, s.train, { spec, batchSize: 64, seed: 7, epoch: 0, shuffle: true })) {
      assert.deepEqual(b.shape, [b.indices.length, 32, 32, 3]);
      assert.equal(b.x.length, b.indices.length * 32 * 32 * 3);
      b.indices.forEach((i, k) => assert.equal(b.y[k], ds.labels[i]));
      if (nb === 0) {
        const ref = preprocess(await ds.load(b.indices[5]), spec);
        assert.deepEqual(b.x.subarray(5 * ref.length, 6 * ref.length), ref);
      }
      seen.push(...b.indices);
      nb++;
    }
    assert.equal(nb, Math.ceil(546 / 64));
    assert.deepEqual([...seen].sort((a, b) => a - b), s.train);
    assert.deepEqual(seen, epochOrder(s.train, 7, 0, true));
    assert.notDeepEqual(epochOrder(s.train, 7, 1, true), seen, 'each epoch reshuffles');
    // Class weights: n / (k · n_c) over the train split (147 malignant, 399 benign/normal).
    const w = classWeights(ds, s.train);
    assert.ok(Math.abs(w[0] - 546 / (2 * 147)) < 1e-12 && Math.abs(w[1] - 546 / (2 * 399)) < 1e-12);
    // Augmented batches are the same for the same seed and epoch, whatever the concurrency.
    const first = async (concurrency: number, epoch: number) => {
      for await (const b of batches(ds, s.val, { spec, batchSize: 16, seed: 3, epoch, augment: DEFAULT_AUGMENT, concurrency, prefetch: 1 })) return b.x;
      throw new Error('no batch');
    };
    assert.deepEqual(await first(1, 0), await first(8, 0));
    assert.notDeepEqual(await first(1, 0), await first(1, 1));
  } finally {
    await ds.close();
  }
});

test('resized-image cache: keyed by content, a hit equals a miss to 16-bit precision; skipBad drops a broken file from its batch', async () => {
  const dir = tempDir();
  for (const [cls, n] of [['a', 5], ['b', 5]] as const) {
    for (let i = 0; i < n; i++) write(join(dir, 'ds', cls, `${i}.png`), png(6, 6, 1, 8, Array.from({ length: 36 }, (_, k) => (k * 7 + i * 13 + (cls === 'b' ? 100 : 0)) % 256)));
  }
  write(join(dir, 'ds', 'b', 'copy.png'), png(6, 6, 1, 8, Array.from({ length: 36 }, (_, k) => (k * 7) % 256))); // same pixels/bytes as a/0.png
  const ds = await openImageFolder(join(dir, 'ds'));
  const cache = new ResizedCache(join(dir, 'cache'));
  const all = Array.from({ length: ds.size }, (_, i) => i);
  const run = async (c?: ResizedCache) => {
    const xs: Float32Array[] = [];
    for await (const b of batches(ds, all, { spec, batchSize: 4, seed: 1, cache: c, prefetch: 0 })) xs.push(b.x); // prefetch 0: a/0.png is cached before its copy is read
    return xs;
  };
  const plain = await run();
  const miss = await run(cache);
  assert.deepEqual(cache.stats, { hits: 1, misses: 10 }, 'the identical file is a hit even under another name');
  const hit = await run(cache);
  assert.deepEqual(cache.stats, { hits: 12, misses: 10 });
  let missErr = 0;
  let hitErr = 0;
  for (let b = 0; b < plain.length; b++) {
    for (let k = 0; k < plain[b].length; k++) {
      missErr = Math.max(missErr, Math.abs(miss[b][k] - plain[b][k]));
      hitErr = Math.max(hitErr, Math.abs(hit[b][k] - plain[b][k]));
    }
  }
  // Half a 16-bit step in 0..255 units, through torch normalisation (÷255, ÷0.224). (The first run already hits once.)
  const tol = (0.5 * 255) / 65535 / 255 / 0.224 + 1e-7;
  assert.ok(missErr <= tol, `first run differs by ${missErr}`);
  assert.ok(hitErr <= tol, `cache hit differs by ${hitErr}`);
  assert.ok(hitErr > 0, 'hits really come from the 16-bit cache entries');
  writeFileSync(join(dir, 'ds', 'a', '2.png'), 'broken');
  const kept: number[] = [];
  for await (const b of batches(ds, all, { spec, batchSize: 4, seed: 1, skipBad: true })) kept.push(...b.indices);
  assert.equal(kept.length, ds.size - 1, `kept ${kept.length}`);
  assert.equal(ds.skipped.length, 1);
  assert.match(ds.skipped[0].problem, /2\.png: not an image/);
  await assert.rejects(async () => { for await (const _ of batches(ds, all, { spec, batchSize: 4, seed: 1 })) { /* drain */ } }, /2\.png: not an image/);
});

test('memory stays bounded while streaming a generated folder of 20,000 images', async (t) => {
  sharp.cache(false);
  const dir = tempDir();
  const classes = ['c0', 'c1', 'c2', 'c3'];
  for (const c of classes) mkdirSync(join(dir, 'big', c), { recursive: true });
  for (let i = 0; i < 20_000; i++) {
    const c = classes[i % 4];
    writeFileSync(join(dir, 'big', c, `${i}.png`), png(8, 8, 1, 8, Array.from({ length: 64 }, (_, k) => (k * 3 + i) % 256)));
  }
  const ds = await openImageFolder(join(dir, 'big'));
  assert.equal(ds.size, 20_000);
  const big = { ...spec, inputSize: 64 };
  const held = 20_000 * 64 * 64 * 3 * 4; // bytes if every image were kept: ~983 MB
  global.gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed + base.arrayBuffers;
  let count = 0;
  let checksum = 0;
  for await (const b of batches(ds, Array.from({ length: ds.size }, (_, i) => i), { spec: big, batchSize: 128, seed: 0, shuffle: true, prefetch: 2, concurrency: 16 })) {
    count += b.indices.length;
    checksum += b.x[0];
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed + m.arrayBuffers);
  }
  assert.equal(count, 20_000);
  assert.ok(Number.isFinite(checksum));
  const rssGrowth = peakRss - base.rss;
  const heapGrowth = peakHeap - (base.heapUsed + base.arrayBuffers);
  t.diagnostic(`peak growth: heap+buffers ${(heapGrowth / 1e6).toFixed(0)} MB, RSS ${(rssGrowth / 1e6).toFixed(0)} MB; holding all would be ${(held / 1e6).toFixed(0)} MB`);
  // (prefetch + 1) batches of 128 × 64 × 64 × 3 floats is ~19 MB; allow generous slack for GC timing and libvips.
  assert.ok(heapGrowth < 250e6, `JS heap + buffers grew ${(heapGrowth / 1e6).toFixed(0)} MB (everything held would be ${(held / 1e6).toFixed(0)} MB)`);
  assert.ok(rssGrowth < 400e6, `RSS grew ${(rssGrowth / 1e6).toFixed(0)} MB (everything held would be ${(held / 1e6).toFixed(0)} MB)`);
  rmSync(dir, { recursive: true, force: true });
});
