/**
 * Resolves each dataset of the grid before any work starts (one clear message when it is missing), and writes the
 * per-split subsets a quick experiment asks for as a small .npz of its own: the first images of each class in file
 * order, in proportion to the class counts, so the subset is the same on every machine.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { zipSync } from 'fflate';
import { installOnce } from '../cache-install.ts';
import { detectKind, resolveMedmnist } from '../data/index.ts';
import { NpzFile, type NumArray } from '../data/npz.ts';
import { InputError, MedftError } from '../errors.ts';
import type { Subset } from './cells.ts';

/** Where a dataset spec points: a path to pass to finetune (the subset file when one is asked for). */
export async function prepareDataset(data: string, subset: Subset | null, outDir: string, download: boolean): Promise<string> {
  let kind: Awaited<ReturnType<typeof detectKind>>;
  try {
    kind = await detectKind(data);
    if (kind.kind === 'medmnist' && kind.path == null) kind = { kind: 'npz', path: (await resolveMedmnist(data, { download })).path };
  } catch (e) {
    if (!(e instanceof MedftError)) throw e;
    const where = process.env.MEDFT_DATA_DIR ? `not in MEDFT_DATA_DIR=${process.env.MEDFT_DATA_DIR}` : 'MEDFT_DATA_DIR is not set';
    const detail = /not found/.test(e.message) ? '' : ` (${e.message})`;
    throw new InputError(`dataset '${data}' not found (${where}, nor in the download cache): set MEDFT_DATA_DIR to the folder that holds it ` +
      `(e.g. <dir>/${data}/${data}.npz), or add --download (with npm start: npm start -- --download)${detail}`);
  }
  if (!subset || (subset.train == null && subset.val == null && subset.test == null)) return kind.path ?? data;
  if (kind.kind !== 'npz' || !kind.path) throw new InputError(`dataset '${data}': subset works on .npz datasets (MedMNIST) only; this one is a ${kind.kind}`);
  return writeSubset(kind.path, subset, join(outDir, 'data'));
}

/** Indices of the first `k` rows in proportion to the class counts (largest remainders), in file order. */
export function stratifiedHead(labels: ArrayLike<number>, k: number): number[] {
  const n = labels.length;
  if (k >= n) return Array.from({ length: n }, (_, i) => i);
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  const classes = [...counts.keys()].sort((a, b) => a - b);
  const exact = classes.map((c) => (k * counts.get(c)!) / n);
  const quota = exact.map(Math.floor);
  let left = k - quota.reduce((a, b) => a + b, 0);
  const order = classes.map((_, j) => j).sort((a, b) => (exact[b] - quota[b]) - (exact[a] - quota[a]) || a - b);
  for (const j of order) { if (left === 0) break; quota[j]++; left--; }
  const take = new Map(classes.map((c, j) => [c, quota[j]]));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const q = take.get(labels[i])!;
    if (q > 0) { out.push(i); take.set(labels[i], q - 1); }
  }
  return out;
}

function npy(dtype: string, shape: number[], data: Uint8Array): Uint8Array {
  const descr = dtype === 'u1' || dtype === 'i1' || dtype === 'b1' ? `|${dtype}` : `<${dtype}`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = `${header}${' '.repeat(pad % 64)}\n`;
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(data, 10 + header.length);
  return out;
}

const bytesOf = (a: NumArray) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

async function writeSubset(file: string, subset: Subset, dir: string): Promise<string> {
  const st = statSync(file);
  const key = createHash('sha256').update(JSON.stringify([file, st.size, Math.round(st.mtimeMs), subset.train, subset.val, subset.test])).digest('hex').slice(0, 12);
  const target = join(dir, key, basename(file));
  if (existsSync(target)) return target;
  const npz = await NpzFile.open(file);
  try {
    const entries: Record<string, Uint8Array> = {};
    for (const split of ['train', 'val', 'test'] as const) {
      if (!npz.has(`${split}_images`) || !npz.has(`${split}_labels`)) continue;
      const images = await npz.array(`${split}_images`);
      const labelsArr = await npz.array(`${split}_labels`);
      const n = images.shape[0];
      const labels = await labelsArr.readRows(0, n);
      if (labelsArr.rowSize !== 1) throw new InputError(`${file}: subset needs single-label data; ${split}_labels has ${labelsArr.rowSize} columns`);
      const flat = Array.from(labels as ArrayLike<number | bigint>, Number);
      const cap = subset[split];
      const keep = cap == null ? Array.from({ length: n }, (_, i) => i) : stratifiedHead(flat, cap);
      const all = await images.readRows(0, n);
      const rowBytes = (all.byteLength / n);
      const imgOut = new Uint8Array(keep.length * rowBytes);
      const labBytes = bytesOf(labels);
      const labRow = labBytes.length / n;
      const labOut = new Uint8Array(keep.length * labRow);
      const src = bytesOf(all);
      keep.forEach((i, j) => {
        imgOut.set(src.subarray(i * rowBytes, (i + 1) * rowBytes), j * rowBytes);
        labOut.set(labBytes.subarray(i * labRow, (i + 1) * labRow), j * labRow);
      });
      entries[`${split}_images.npy`] = npy(images.dtype, [keep.length, ...images.shape.slice(1)], imgOut);
      entries[`${split}_labels.npy`] = npy(labelsArr.dtype, [keep.length, ...labelsArr.shape.slice(1)], labOut);
    }
    if (Object.keys(entries).length === 0) throw new InputError(`${file}: subset needs train_/val_/test_ images and labels arrays`);
    // Two processes sharing the folder (queue workers on one host) may write the same subset at once.
    return await installOnce(target, async (tmp) => writeFileSync(tmp, zipSync(entries, { level: 0 })));
  } finally {
    await npz.close();
  }
}
