/**
 * Resolves each dataset of the grid before any work starts (one clear message when it is missing), and writes the
 * per-split subsets a quick experiment asks for as a small .npz of its own: the first images of each class in file
 * order, in proportion to the class counts, so the subset is the same on every machine.
 *
 * Paths in an experiment file are relative to the file's folder, wherever medft runs from; names (a MedMNIST name, a
 * folder in MEDFT_DATA_DIR) stay names.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { zipSync } from 'fflate';
import { installOnce } from '../cache-install.ts';
import { detectKind, MEDMNIST, resolveMedmnist } from '../data/index.ts';
import { medmnistFileName, parseMedmnistName } from '../data/medmnist.ts';
import { NpzFile, type NumArray } from '../data/npz.ts';
import { InputError, MedftError } from '../errors.ts';
import type { Paths } from '../paths.ts';
import type { Cell, Subset } from './cells.ts';

const medmnistName = (s: string) => {
  try {
    return parseMedmnistName(s);
  } catch {
    return null;
  }
};

/**
 * A dataset as written in an experiment file in `baseDir`: an absolute path (a relative one against `baseDir`, a bare
 * name found in `paths.dataDir` there), or a MedMNIST name looked up later.
 */
export function experimentDataPath(data: string, baseDir: string, paths: Paths): string {
  if (isAbsolute(data)) return data;
  const here = resolve(baseDir, data);
  if (/[\\/]/.test(data) || data.startsWith('.') || existsSync(here)) return here;
  if (medmnistName(data)) return data;
  const dd = paths.dataDir;
  if (dd && existsSync(join(dd, data))) return join(dd, data);
  throw new InputError(`dataset '${data}' not found: not at ${here} (paths in an experiment file are relative to its folder)` +
    `${dd ? `, not in MEDFT_DATA_DIR=${dd}` : ''}, and not a MedMNIST name (${MEDMNIST.map((m) => m.name).join(', ')})`);
}

/** Starting weights given as a path in an experiment file, relative to its folder; 'imagenet' and none as they are. */
export const experimentWeights = (weights: string | null, baseDir: string): string | null =>
  weights == null || weights === 'imagenet' ? weights : resolve(baseDir, weights);

/** A cell with its file paths resolved against the experiment file's folder (its id, the hash of the file's config, kept). */
export function withLocalPaths(cell: Cell, baseDir: string, paths: Paths): Cell {
  const c = cell.config;
  return { ...cell, config: { ...c, dataset: { ...c.dataset, data: experimentDataPath(c.dataset.data, baseDir, paths) }, model: { ...c.model, weights: experimentWeights(c.model.weights, baseDir) } } };
}

/** A MedMNIST name that is neither in MEDFT_DATA_DIR nor in the download cache. */
function medmnistMissing(name: string, paths: Paths): InputError {
  const p = medmnistName(name);
  const file = p ? medmnistFileName(p.info.name, p.size) : `${name}.npz`;
  const dd = paths.dataDir;
  const where = dd ? `not in MEDFT_DATA_DIR=${dd}` : 'MEDFT_DATA_DIR is not set';
  return new InputError(`dataset '${name}' not found (${where}, nor in the download cache): set MEDFT_DATA_DIR to the folder that holds it ` +
    `(e.g. <dir>/${p?.info.name ?? name}/${file}), or add --download (with npm start: npm start -- --download)`);
}

/**
 * `medft run --dry-run`: every dataset of the grid must be there (and an .npz when a subset is asked for). A MedMNIST
 * name not downloaded yet is fine with --download; the returned notes say which will be.
 */
export async function checkDatasets(cells: Cell[], download: boolean, paths: Paths): Promise<string[]> {
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const c of cells) {
    const { data, subset } = c.config.dataset;
    if (seen.has(data)) continue;
    seen.add(data);
    const kind = await detectKind(data, paths);
    if (kind.kind === 'medmnist' && kind.path == null) {
      try {
        await resolveMedmnist(data, { download: false, paths });
      } catch (e) {
        if (!(e instanceof MedftError)) throw e;
        if (!download) throw medmnistMissing(data, paths);
        notes.push(`dataset '${data}' is not here yet: it will be downloaded (--download)`);
      }
    } else if (hasSubset(subset) && kind.kind !== 'npz' && kind.kind !== 'medmnist') throw subsetNeedsNpz(data, kind.kind);
  }
  return notes;
}

const hasSubset = (subset: Subset | null): subset is Subset => !!subset && (subset.train != null || subset.val != null || subset.test != null);
const subsetNeedsNpz = (data: string, kind: string) => new InputError(`dataset '${data}': subset works on .npz datasets (MedMNIST) only; this one is a ${kind}`);

/** Where a dataset spec points: a path to pass to finetune (the subset file when one is asked for). */
export async function prepareDataset(data: string, subset: Subset | null, outDir: string, download: boolean, paths: Paths): Promise<string> {
  let kind = await detectKind(data, paths);
  if (kind.kind === 'medmnist' && kind.path == null) {
    try {
      kind = { kind: 'npz', path: (await resolveMedmnist(data, { download, paths })).path };
    } catch (e) {
      // A failed download says why itself; a name not found without --download gets the way to fix it.
      if (!(e instanceof MedftError) || download) throw e;
      throw medmnistMissing(data, paths);
    }
  }
  if (!hasSubset(subset)) return kind.path ?? data;
  if (kind.kind !== 'npz' || !kind.path) throw subsetNeedsNpz(data, kind.kind);
  return writeSubset(kind.path, subset, join(outDir, 'data'), paths);
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

async function writeSubset(file: string, subset: Subset, dir: string, paths: Paths): Promise<string> {
  const st = statSync(file);
  const key = createHash('sha256').update(JSON.stringify([file, st.size, Math.round(st.mtimeMs), subset.train, subset.val, subset.test])).digest('hex').slice(0, 12);
  const target = join(dir, key, basename(file));
  if (existsSync(target)) return target;
  const npz = await NpzFile.open(file, paths.cacheDir);
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
