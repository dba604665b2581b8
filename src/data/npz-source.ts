/**
 * A MedMNIST-style .npz as a Dataset: `{train,val,test}_images` (N,H,W) or (N,H,W,C) uint8/uint16 and
 * `{train,val,test}_labels` (N,) or (N,1) — or (N,K) 0/1 for multi-label. Also a single split-less pair
 * `images` / `labels`. The splits in the file are the official split.
 */
import { basename, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import type { Paths } from '../paths.ts';
import { medmnistInfo, parseMedmnistName, type MedmnistInfo } from './medmnist.ts';
import { NpzFile, type NpyArray } from './npz.ts';
import { Problems } from './problems.ts';
import { SPLIT_NAMES, type Dataset, type DecodedImage, type OpenOptions, type SplitName, type Task } from './types.ts';
import { convertChannels } from './decode.ts';

export interface NpzOptions extends OpenOptions {
  /** MedMNIST entry to take class names and task from (default: guessed from the file name). */
  medmnist?: string;
  collect?: boolean;
  problems?: Problems;
  /** Deflated arrays above this many bytes are inflated to the cache instead of memory (default 256 MiB). */
  inMemoryLimit?: number;
  /** Where that cache is (its cacheDir). */
  paths: Paths;
}

interface Part {
  split: SplitName | null;
  images: NpyArray;
  count: number;
  offset: number;
}

export interface NpzDataset extends Dataset {
  readonly medmnist?: MedmnistInfo;
  /** Samples per split as stored in the file. */
  readonly splitSizes: Partial<Record<SplitName, number>>;
  readonly dtype: string;
}

export async function openNpz(path: string, opts: NpzOptions): Promise<NpzDataset> {
  const file = resolve(path);
  const problems = opts.problems ?? Problems.from(opts);
  const npz = await NpzFile.open(file, opts.paths.cacheDir, opts.inMemoryLimit);
  try {
    return await build(npz, file, opts, problems);
  } catch (e) {
    await npz.close();
    throw e;
  }
}

async function build(npz: NpzFile, file: string, opts: NpzOptions, problems: Problems): Promise<NpzDataset> {
  const info = opts.medmnist ? medmnistInfo(opts.medmnist) : parseMedmnistNameSafe(basename(file));
  if (opts.medmnist && !info) throw new InputError(`unknown MedMNIST name '${opts.medmnist}'`);
  const splits: (SplitName | null)[] = SPLIT_NAMES.filter((s) => npz.has(`${s}_images`) || npz.has(`${s}_labels`));
  if (splits.length === 0) {
    if (npz.has('images') || npz.has('labels')) splits.push(null);
    else throw new InputError(`${file}: no image arrays; expected keys train_images/train_labels (and val_, test_) or images/labels, found: ${npz.keys().join(', ') || 'none'}`);
  }
  const parts: Part[] = [];
  const labelChunks: { split: SplitName | null; labels: Int32Array; width: number }[] = [];
  let offset = 0;
  let shape: number[] | null = null;
  let dtype = '';
  for (const split of splits) {
    const ik = split ? `${split}_images` : 'images';
    const lk = split ? `${split}_labels` : 'labels';
    for (const k of [ik, lk]) if (!npz.has(k)) throw new InputError(`${file}: missing key '${k}' (has: ${npz.keys().join(', ')}); the file is incomplete — download it again`);
    const images = await npz.array(ik);
    const labels = await npz.array(lk);
    const n = images.shape[0];
    if (images.shape.length !== 3 && !(images.shape.length === 4 && [1, 3].includes(images.shape[3]))) {
      throw new InputError(`${file} [${ik}]: shape (${images.shape.join(', ')}) is not (N, H, W) or (N, H, W, 1|3)`);
    }
    if (images.dtype !== 'u1' && images.dtype !== 'u2') throw new InputError(`${file} [${ik}]: dtype ${images.dtype} is not supported (uint8 or uint16 images)`);
    if (labels.shape[0] !== n) throw new InputError(`${file}: ${ik} has ${n} images but ${lk} has ${labels.shape[0]} labels (mismatched lengths)`);
    if (labels.shape.length > 2) throw new InputError(`${file} [${lk}]: shape (${labels.shape.join(', ')}) is not (N,) or (N, K)`);
    const per = images.shape.slice(1);
    if (shape && (per.join('x') !== shape.join('x') || images.dtype !== dtype)) {
      problems.fatal(`${file}: ${ik} has images of shape (${per.join(', ')}) ${images.dtype} but the first split has (${shape.join(', ')}) ${dtype} (mixed image sizes or channel counts)`);
    }
    shape ??= per;
    dtype ||= images.dtype;
    const width = labels.shape.length === 2 ? labels.shape[1] : 1;
    const rawLabels = await labels.readRows(0, n);
    const ints = new Int32Array(rawLabels.length);
    for (let i = 0; i < rawLabels.length; i++) {
      const v = Number(rawLabels[i]);
      if (!Number.isInteger(v)) throw new InputError(`${file} [${lk}]: label ${v} at row ${Math.floor(i / width)} is not an integer`);
      ints[i] = v;
    }
    labelChunks.push({ split, labels: ints, width });
    parts.push({ split, images, count: n, offset });
    offset += n;
  }
  const widths = new Set(labelChunks.map((c) => c.width));
  if (widths.size > 1) throw new InputError(`${file}: label arrays have different widths (${[...widths].join(', ')}) across splits`);
  const width = labelChunks[0].width;
  const multiLabel = width > 1 && (info ? info.task.startsWith('multi-label') : true);
  if (width > 1 && !multiLabel) throw new InputError(`${file}: labels have ${width} columns but ${info?.name} is single-label; expected shape (N,) or (N, 1)`);
  const size = offset;
  const labels = new Int32Array(size * (multiLabel ? width : 1));
  const officialSplit: SplitName[] = [];
  let at = 0;
  for (const c of labelChunks) {
    labels.set(c.labels, at);
    at += c.labels.length;
    if (c.split) for (let i = 0; i < c.labels.length / c.width; i++) officialSplit.push(c.split);
  }
  let classNames: string[];
  if (multiLabel) {
    classNames = info ? [...info.classNames] : Array.from({ length: width }, (_, i) => String(i));
    if (classNames.length !== width) throw new InputError(`${file}: labels have ${width} columns but ${info?.name} has ${classNames.length} classes`);
    for (let i = 0; i < labels.length; i++) if (labels[i] !== 0 && labels[i] !== 1) throw new InputError(`${file}: multi-label flags must be 0 or 1, found ${labels[i]} at sample ${Math.floor(i / width)}`);
  } else {
    let max = -1;
    for (let i = 0; i < size; i++) {
      const v = labels[i];
      if (v < 0 || (info && v >= info.classNames.length)) {
        const where = locate(parts, i);
        throw new InputError(`${file}: label ${v} at ${where} is out of range (${info ? `${info.name} has classes 0..${info.classNames.length - 1}` : 'labels must be ≥ 0'}); the file's labels do not match its dataset`);
      }
      if (v > max) max = v;
    }
    classNames = info ? [...info.classNames] : Array.from({ length: max + 1 }, (_, i) => String(i));
    const present = new Set(labels);
    if (present.size < 2) problems.fatal(`${file}: every sample has label ${labels[0]} (a single class); a classifier needs at least two classes`);
    for (let c = 0; c < classNames.length; c++) if (!present.has(c)) problems.warn(`${file}: class ${c} (${classNames[c]}) has no samples`);
  }
  if (!shape) throw new InputError(`${file}: no images`);
  const channels: 1 | 3 = shape.length === 3 && shape[2] === 3 ? 3 : 1;
  const [height, widthPx] = shape;
  const splitSizes: Partial<Record<SplitName, number>> = {};
  for (const p of parts) if (p.split) splitSizes[p.split] = p.count;
  const task: Task = info?.task ?? (multiLabel ? 'multi-label, binary-class' : classNames.length === 2 ? 'binary-class' : 'multi-class');
  const bitDepth = dtype === 'u2' ? 16 : 8;
  const name = info?.name ?? basename(file, '.npz');

  const ds: NpzDataset = {
    name,
    kind: 'npz',
    source: file,
    classNames,
    task,
    size,
    labels,
    labelWidth: multiLabel ? width : 1,
    officialSplit: parts.every((p) => p.split) ? officialSplit : undefined,
    channels: opts.channels ?? channels,
    imageSize: { width: widthPx, height },
    skipped: problems.skipped,
    medmnist: info ?? undefined,
    splitSizes,
    dtype,
    sampleId: (i) => locate(parts, i),
    filePath: () => null,
    async load(i: number): Promise<DecodedImage> {
      const part = parts.find((p) => i >= p.offset && i < p.offset + p.count);
      if (!part) throw new RangeError(`sample ${i} out of 0..${size - 1}`);
      const data = (await part.images.readRows(i - part.offset, 1)) as Uint8Array | Uint16Array;
      const img: DecodedImage = { width: widthPx, height, channels, bitDepth, data, maxValue: bitDepth === 16 ? 65535 : 255, format: 'npy' };
      return opts.channels ? convertChannels(img, opts.channels) : img;
    },
    close: () => npz.close(),
  };
  return ds;
}

function locate(parts: Part[], i: number): string {
  const p = parts.find((q) => i >= q.offset && i < q.offset + q.count);
  if (!p) return `#${i}`;
  return `${p.split ?? 'images'}[${i - p.offset}]`;
}

function parseMedmnistNameSafe(fileName: string): MedmnistInfo | null {
  try {
    return parseMedmnistName(fileName)?.info ?? null;
  } catch {
    return null;
  }
}
