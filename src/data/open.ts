/**
 * One entry point for every source: `openDataset('breastmnist')`, `openDataset('path/to/x.npz')`,
 * `openDataset('path/to/folder')`, `openDataset('labels.csv')`. The kind is detected from the path and may be named.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, resolve } from 'node:path';
import { InputError, UsageError } from '../errors.ts';
import type { Paths } from '../paths.ts';
import { openCsvManifest, type CsvOptions } from './csv-manifest.ts';
import { isIgnorable, looksLikeDicom } from './decode.ts';
import { openImageFolder } from './image-folder.ts';
import { MEDMNIST, parseMedmnistName, resolveMedmnist, type MedmnistSize } from './medmnist.ts';
import { openNpz } from './npz-source.ts';
import type { Problems } from './problems.ts';
import { DATASET_KINDS, type Dataset, type DatasetKind } from './types.ts';

export { DATASET_KINDS, type DatasetKind };

export interface OpenDatasetOptions extends CsvOptions {
  /** Where names are looked up (dataDir, then the cache) and caches go (the caller's settings). */
  paths: Paths;
  kind?: DatasetKind;
  /** MedMNIST+ size when opening by name (28, 64, 128, 224). */
  size?: MedmnistSize;
  /** Download a MedMNIST file by name when it is not found locally. */
  download?: boolean;
  /** Shared problem list (inspect collects into one). */
  problems?: Problems;
  collect?: boolean;
}

/** With a folder separator it is a path, never a MedMNIST name ('breastmnist.npz' may still be one). */
const hasFolder = (spec: string): boolean => /[\\/]/.test(spec);

/** What `spec` points at, without opening it; a relative path not found here is looked for in `paths.dataDir`. */
export async function detectKind(spec: string, paths: Paths): Promise<{ kind: Exclude<DatasetKind, 'auto'>; path: string | null }> {
  const candidates = [resolve(spec)];
  const dd = paths.dataDir;
  // An absolute path is looked for where it says; anything else may also sit in MEDFT_DATA_DIR.
  if (dd && !isAbsolute(spec) && !existsSync(candidates[0])) candidates.push(join(dd, spec));
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    if (!hasFolder(spec) && parseMedmnistNameQuiet(spec)) return { kind: 'medmnist', path: null };
    const looked = candidates.length > 1 ? ` (looked at ${candidates.join(' and ')})` : isAbsolute(spec) ? '' : ` (looked at ${candidates[0]})`;
    throw new InputError(`dataset '${spec}' not found: no such file or folder${looked}` +
      (hasFolder(spec) ? '' : `, and not a MedMNIST name (${MEDMNIST.map((m) => m.name).join(', ')})`));
  }
  const st = statSync(path);
  if (st.isDirectory()) {
    // A folder holding just one .npz (and notes) is that npz: e.g. $MEDFT_DATA_DIR/breastmnist/breastmnist.npz.
    const entries = readdirSync(path, { withFileTypes: true }).filter((e) => !isIgnorable(e.name));
    const dirs = entries.filter((e) => e.isDirectory());
    const npz = entries.filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.npz'));
    if (dirs.length === 0 && npz.length === 1) return { kind: 'npz', path: join(path, npz[0].name) };
    if (dirs.length === 0 && npz.length > 1) throw new InputError(`${path}: holds several .npz files (${npz.map((e) => e.name).join(', ')}); name one`);
    return { kind: 'folder', path };
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.npz') return { kind: 'npz', path };
  if (ext === '.csv' || ext === '.tsv') return { kind: 'csv', path };
  if (ext === '.dcm' || (await looksLikeDicom(path).catch(() => false))) {
    throw new InputError(`${path}: a single DICOM file is not a dataset; point at a folder of class subfolders of DICOM files, or at a CSV manifest listing them`);
  }
  throw new InputError(`${path}: cannot tell what kind of dataset this is: give an .npz file, a .csv/.tsv manifest, or a folder with one subfolder per class`);
}

function parseMedmnistNameQuiet(spec: string) {
  try {
    return parseMedmnistName(spec);
  } catch {
    return null;
  }
}

export async function openDataset(spec: string, opts: OpenDatasetOptions): Promise<Dataset> {
  const kind = opts.kind ?? 'auto';
  if (!(DATASET_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--kind must be one of ${DATASET_KINDS.join(', ')}, got '${kind}'`);
  if (kind === 'medmnist') {
    const { path, info } = await resolveMedmnist(spec, { size: opts.size, download: opts.download, paths: opts.paths });
    return openNpz(path, { ...opts, medmnist: info.name });
  }
  let detected: Awaited<ReturnType<typeof detectKind>>;
  if (kind === 'auto') detected = await detectKind(spec, opts.paths);
  else {
    const p = resolve(spec);
    if (!existsSync(p)) throw new InputError(`${p}: not found`);
    detected = { kind, path: p };
  }
  switch (detected.kind) {
    case 'medmnist': {
      const { path, info } = await resolveMedmnist(spec, { size: opts.size, download: opts.download, paths: opts.paths });
      return openNpz(path, { ...opts, medmnist: info.name });
    }
    case 'npz':
      return openNpz(detected.path!, opts);
    case 'csv':
      return openCsvManifest(detected.path!, opts);
    case 'folder':
    case 'dicom':
      return openImageFolder(detected.path!, { ...opts, kind: detected.kind });
  }
}
