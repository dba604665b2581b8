/**
 * Streaming batches: plain Float32Array NHWC inputs and Int32Array labels (converted to tensors by the caller), built
 * a batch at a time with a few batches prefetched, so memory is bounded by (prefetch + 1) × batch, never by the
 * dataset. Order and augmentation are pure functions of (seed, epoch, sample index), whatever the concurrency.
 */
import { createRng, shuffledIndices } from '../random.ts';
import { InputError, UsageError } from '../errors.ts';
import type { ResizedCache } from './cache.ts';
import { mapLimit } from './file-source.ts';
import type { PreprocessSpec } from './preprocess-spec.ts';
import { preprocessResized, resizeToSquare, type AugmentOptions, type IntensityMode } from './preprocess.ts';
import type { Dataset } from './types.ts';

export interface BatchOptions {
  spec: PreprocessSpec;
  batchSize: number;
  seed: number | string;
  /** Epoch number: changes the shuffle order and the augmentation draws. */
  epoch?: number;
  shuffle?: boolean;
  augment?: AugmentOptions | false;
  dropLast?: boolean;
  /** Batches prepared ahead of the consumer (default 2). */
  prefetch?: number;
  /** Images decoded at once within a batch (default 8). */
  concurrency?: number;
  /** An on-disk cache of resized images to use. Only file-based sources are cached. */
  cache?: ResizedCache;
  intensity?: IntensityMode;
  /** Drop samples whose file fails to decode (listed in ds.skipped) instead of throwing. */
  skipBad?: boolean;
}

export interface Batch {
  /** N × H × W × 3, normalised for the model. */
  x: Float32Array;
  /** N labels (single-label) or N × labelWidth 0/1 flags (multi-label). */
  y: Int32Array;
  /** Dataset indices of the samples in this batch. */
  indices: number[];
  shape: [number, number, number, number];
  labelWidth: number;
}

export function batchCount(n: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/** The order samples are visited in one epoch. */
export function epochOrder(indices: readonly number[], seed: number | string, epoch: number, shuffle: boolean): number[] {
  if (!shuffle) return [...indices];
  return shuffledIndices(indices.length, createRng(`${seed}:order:${epoch}`)).map((j) => indices[j]);
}

export async function* batches(ds: Dataset, indices: readonly number[], opts: BatchOptions): AsyncGenerator<Batch> {
  const { spec, batchSize } = opts;
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new UsageError(`batch size must be a positive integer, got ${batchSize}`);
  const epoch = opts.epoch ?? 0;
  const order = epochOrder(indices, opts.seed, epoch, opts.shuffle ?? false);
  const nb = batchCount(order.length, batchSize, opts.dropLast);
  const prefetch = Math.max(0, opts.prefetch ?? 2);
  const cache = opts.cache ?? null;
  const size = spec.inputSize;
  const per = size * size * 3;
  const intensity = opts.intensity ?? 'full';

  const make = async (b: number): Promise<Batch> => {
    const ids = order.slice(b * batchSize, (b + 1) * batchSize);
    const x = new Float32Array(ids.length * per);
    const ok = await mapLimit(ids, opts.concurrency ?? 8, async (i, k) => {
      try {
        let resized = cache ? await cache.get(ds, i, size, intensity) : null;
        if (!resized) {
          const img = await ds.load(i);
          resized = { data: resizeToSquare(img, size, intensity), channels: img.channels };
        }
        const rng = opts.augment ? createRng(`${opts.seed}:aug:${epoch}:${i}`) : undefined;
        preprocessResized(resized.data, resized.channels, spec, x, k * per, { augment: opts.augment, rng });
        return true;
      } catch (e) {
        if (!(e instanceof InputError) || !opts.skipBad) throw e;
        ds.skipped.push({ file: ds.filePath(i) ?? ds.sampleId(i), problem: e.message });
        return false;
      }
    });
    let kept = ids;
    let xs = x;
    if (ok.some((v) => !v)) {
      kept = ids.filter((_, k) => ok[k]);
      xs = new Float32Array(kept.length * per);
      let o = 0;
      ids.forEach((_, k) => {
        if (ok[k]) { xs.set(x.subarray(k * per, (k + 1) * per), o * per); o++; }
      });
    }
    const w = ds.labelWidth;
    const y = new Int32Array(kept.length * w);
    kept.forEach((i, k) => y.set(ds.labels.subarray(i * w, (i + 1) * w), k * w));
    return { x: xs, y, indices: kept, shape: [kept.length, size, size, 3], labelWidth: w };
  };

  const pending: Promise<Batch>[] = [];
  let next = 0;
  const launch = () => {
    if (next < nb) {
      const p = make(next++);
      p.catch(() => {}); // observed when awaited; avoids unhandled rejections for batches dropped by an early break
      pending.push(p);
    }
  };
  for (let k = 0; k <= prefetch; k++) launch();
  try {
    while (pending.length) {
      const batch = await pending.shift()!;
      launch();
      if (batch.indices.length) yield batch;
    }
  } finally {
    pending.length = 0;
  }
}
