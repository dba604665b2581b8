/**
 * An image folder as a Dataset: `root/<class>/...` or `root/<split>/<class>/...` (split folders named train, val or
 * validation or valid, test). Files are found recursively under each class folder (so DICOM series folders work),
 * sorted by path for a stable order. Files at the root are ignored; non-image files inside class folders are problems.
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { IMAGE_EXTENSIONS, isIgnorable, looksLikeDicom } from './decode.ts';
import { fileDataset, verifySamples, type FileSample } from './file-source.ts';
import { Problems } from './problems.ts';
import type { Dataset, OpenOptions, SplitName } from './types.ts';

export const SPLIT_ALIASES: Record<string, SplitName> = {
  train: 'train', training: 'train',
  val: 'val', valid: 'val', validation: 'val', dev: 'val',
  test: 'test', testing: 'test',
};

export interface FolderOptions extends OpenOptions {
  collect?: boolean;
  problems?: Problems;
  /** 'dicom': every file must be DICOM. */
  kind?: 'folder' | 'dicom';
}

function subdirs(dir: string): Dirent[] {
  return readdirSync(dir, { withFileTypes: true }).filter((d) => !isIgnorable(d.name) && (d.isDirectory() || (d.isSymbolicLink() && statSync(join(dir, d.name)).isDirectory())));
}

async function listFiles(dir: string, problems: Problems, kind: 'folder' | 'dicom'): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    const entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (isIgnorable(e.name)) continue;
      const p = join(d, e.name);
      const isDir = e.isDirectory() || (e.isSymbolicLink() && statSync(p).isDirectory());
      if (isDir) {
        await walk(p);
        continue;
      }
      const ext = extname(e.name).toLowerCase();
      const known = IMAGE_EXTENSIONS.has(ext);
      const dicom = ext === '.dcm' || ext === '.dicom' || (!known && (await looksLikeDicom(p).catch(() => false)));
      if (kind === 'dicom' && !dicom) problems.badFile(p, 'not a DICOM file (the source was named as dicom)');
      else if (known || dicom) out.push(p);
      else problems.badFile(p, `not an image file (extension '${ext || 'none'}'; supported: ${[...IMAGE_EXTENSIONS].join(' ')} or DICOM without extension)`);
    }
  };
  await walk(dir);
  return out;
}

export async function openImageFolder(path: string, opts: FolderOptions = {}): Promise<Dataset> {
  const root = resolve(path);
  const problems = opts.problems ?? Problems.from(opts);
  const kind = opts.kind ?? 'folder';
  let top: Dirent[];
  try {
    top = subdirs(root);
  } catch (e) {
    throw new InputError(`${root}: cannot read folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (top.length === 0) {
    throw new InputError(`${root}: no class folders; an image folder must look like ${root}/<class>/<images> or ${root}/<split>/<class>/<images>`);
  }
  const splitLayout = top.every((d) => SPLIT_ALIASES[d.name.toLowerCase()]);
  const someSplits = top.filter((d) => SPLIT_ALIASES[d.name.toLowerCase()]);
  if (!splitLayout && someSplits.length > 0 && someSplits.length >= top.length / 2) {
    problems.warn(`${root}: folders ${someSplits.map((d) => d.name).join(', ')} look like splits but ${top.filter((d) => !SPLIT_ALIASES[d.name.toLowerCase()]).map((d) => d.name).join(', ')} do not; treating every top folder as a class`);
  }
  // (split | null, class folder path, class name)
  const classDirs: { split?: SplitName; dir: string; cls: string }[] = [];
  if (splitLayout) {
    const seen = new Map<SplitName, string>();
    for (const d of top) {
      const split = SPLIT_ALIASES[d.name.toLowerCase()];
      if (seen.has(split)) throw new InputError(`${root}: both '${seen.get(split)}' and '${d.name}' mean the ${split} split; keep one`);
      seen.set(split, d.name);
      const classes = subdirs(join(root, d.name));
      if (classes.length === 0) problems.fatal(`${join(root, d.name)}: split folder has no class folders (expected ${join(root, d.name)}/<class>/<images>)`);
      for (const c of classes) classDirs.push({ split, dir: join(root, d.name, c.name), cls: c.name });
    }
  } else {
    for (const d of top) classDirs.push({ dir: join(root, d.name), cls: d.name });
  }
  const listed: { split?: SplitName; cls: string; files: string[] }[] = [];
  for (const cd of classDirs) {
    const files = await listFiles(cd.dir, problems, kind);
    if (files.length === 0) problems.badFile(cd.dir, 'empty class folder (no images)', `${cd.dir}: empty class folder (no images); add images or remove the folder`);
    else listed.push({ split: cd.split, cls: cd.cls, files });
  }
  const classNames = [...new Set(listed.map((c) => c.cls))].sort();
  const samples: FileSample[] = [];
  for (const l of listed) for (const f of l.files) samples.push({ path: f, label: classNames.indexOf(l.cls), split: l.split });
  if (classNames.length < 2) problems.fatal(`${root}: only ${classNames.length === 1 ? `one class ('${classNames[0]}')` : 'no class'} with images; a classifier needs at least two class folders`);
  if (splitLayout) {
    for (const s of new Set(listed.map((c) => c.split))) {
      const here = new Set(listed.filter((c) => c.split === s).map((c) => c.cls));
      const missing = classNames.filter((c) => !here.has(c));
      if (missing.length) problems.warn(`${root}: split '${s}' has no folder for class(es) ${missing.join(', ')}`);
    }
  }
  let channels: 1 | 3 | undefined = opts.channels;
  let final = samples;
  if (opts.verify) ({ samples: final, channels } = await verifySamples(samples, problems, opts, root));
  return fileDataset({ name: basename(root), kind, source: root, root, classNames, samples: final, problems, opts, channels });
}
