/**
 * A CSV (or TSV) manifest as a Dataset: one row per image with a path column, a label column, and optionally a split
 * column and a group (patient) column. Paths are relative to the CSV's folder unless absolute. Column names are found
 * by common spellings (path/file/image, label/class/target, split/set, group/patient_id/subject) or given explicitly.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { fileDataset, verifySamples, type FileSample } from './file-source.ts';
import { SPLIT_ALIASES } from './image-folder.ts';
import { Problems } from './problems.ts';
import type { Dataset, OpenOptions, SplitName } from './types.ts';

export interface CsvOptions extends OpenOptions {
  pathColumn?: string;
  labelColumn?: string;
  splitColumn?: string;
  groupColumn?: string;
  /** Class names in label order; integer labels index into it, string labels must be one of it. */
  classes?: string[];
  collect?: boolean;
  problems?: Problems;
}

const GUESSES = {
  path: ['path', 'file', 'filename', 'file_name', 'filepath', 'file_path', 'image', 'image_path', 'img', 'image_id'],
  label: ['label', 'class', 'target', 'diagnosis', 'category', 'y'],
  split: ['split', 'set', 'subset', 'partition'],
  group: ['group', 'patient', 'patient_id', 'patientid', 'subject', 'subject_id', 'case', 'case_id'],
};

/** RFC 4180 CSV: quoted fields with "" escapes and embedded newlines; returns rows with their 1-based line numbers. */
export function parseCsv(text: string, delimiter: string): { cells: string[]; line: number }[] {
  const rows: { cells: string[]; line: number }[] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (let i = 0; i < t.length; i++) {
    const ch = t[i];
    if (quoted) {
      if (ch === '"') {
        if (t[i + 1] === '"') { cell += '"'; i++; } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === delimiter) { row.push(cell); cell = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && t[i + 1] === '\n') i++;
      row.push(cell);
      if (row.length > 1 || row[0] !== '') rows.push({ cells: row, line: rowLine });
      row = []; cell = ''; line++; rowLine = line;
    } else cell += ch;
  }
  if (quoted) throw new InputError(`unterminated quoted field starting on line ${rowLine}`);
  row.push(cell);
  if (row.length > 1 || row[0] !== '') rows.push({ cells: row, line: rowLine });
  return rows;
}

function findColumn(header: string[], explicit: string | undefined, guesses: string[], role: string, file: string, flag: string, required: boolean): number {
  const norm = header.map((h) => h.trim().toLowerCase());
  if (explicit) {
    const i = norm.indexOf(explicit.toLowerCase());
    if (i < 0) throw new InputError(`${file}: no column '${explicit}' for the ${role} (columns: ${header.join(', ')})`);
    return i;
  }
  const i = norm.findIndex((h) => guesses.includes(h));
  if (i < 0 && required) throw new InputError(`${file}: no ${role} column (looked for ${guesses.join(', ')}; columns: ${header.join(', ')}); name it with ${flag}`);
  return i;
}

export async function openCsvManifest(path: string, opts: CsvOptions = {}): Promise<Dataset> {
  const file = resolve(path);
  const problems = opts.problems ?? Problems.from(opts);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const firstLine = text.slice(0, text.indexOf('\n') >>> 0);
  const delimiter = extname(file).toLowerCase() === '.tsv' || (firstLine.includes('\t') && !firstLine.includes(',')) ? '\t'
    : firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
  let rows: { cells: string[]; line: number }[];
  try {
    rows = parseCsv(text, delimiter);
  } catch (e) {
    throw new InputError(`${file}: ${(e as Error).message}`);
  }
  if (rows.length < 2) throw new InputError(`${file}: needs a header row and at least one data row`);
  const header = rows[0].cells;
  const pc = findColumn(header, opts.pathColumn, GUESSES.path, 'image path', file, '--path-column', true);
  const lc = findColumn(header, opts.labelColumn, GUESSES.label, 'label', file, '--label-column', true);
  const sc = findColumn(header, opts.splitColumn, GUESSES.split, 'split', file, '--split-column', false);
  const gc = findColumn(header, opts.groupColumn, GUESSES.group, 'group', file, '--group-column', false);
  const base = dirname(file);

  interface Row { path: string; label: string; split?: SplitName; group?: string; line: number }
  const parsed: Row[] = [];
  const byPath = new Map<string, number>();
  for (const r of rows.slice(1)) {
    const cell = (i: number) => (i >= 0 ? (r.cells[i] ?? '').trim() : '');
    const where = `${file} line ${r.line}`;
    if (r.cells.length !== header.length) {
      problems.badFile(where, `has ${r.cells.length} fields, the header has ${header.length}`);
      continue;
    }
    const rel = cell(pc);
    const label = cell(lc);
    if (!rel) { problems.badFile(where, 'empty path'); continue; }
    if (!label) { problems.badFile(where, `empty label for ${rel}`); continue; }
    const abs = isAbsolute(rel) ? rel : resolve(base, rel);
    const prev = byPath.get(abs);
    if (prev !== undefined) {
      problems.badFile(where, `duplicate path ${rel} (also on line ${prev})`, `${where}: duplicate path ${rel} (also on line ${prev})`);
      continue;
    }
    byPath.set(abs, r.line);
    let split: SplitName | undefined;
    if (sc >= 0) {
      const v = cell(sc).toLowerCase();
      if (!v) throw new InputError(`${where}: empty split for ${rel}; fill the ${header[sc]} column on every row (train/val/test) or drop the column`);
      split = SPLIT_ALIASES[v];
      if (!split) throw new InputError(`${where}: unknown split '${cell(sc)}' (use train, val or test)`);
    }
    const group = gc >= 0 ? cell(gc) : undefined;
    if (gc >= 0 && !group) throw new InputError(`${where}: empty ${header[gc]} (group) for ${rel}; every row needs one, or drop the column`);
    if (!existsSync(abs) || !statSync(abs).isFile()) {
      problems.badFile(abs, `listed on ${where} but the file does not exist`, `${where}: ${abs} does not exist`);
      continue;
    }
    parsed.push({ path: abs, label, split, group, line: r.line });
  }

  // Labels → class indices.
  let classNames: string[];
  const isInt = (s: string) => /^-?\d+$/.test(s);
  const indexOf = new Map<string, number>();
  if (opts.classes) {
    classNames = [...opts.classes];
    classNames.forEach((c, i) => indexOf.set(c, i));
  } else if (parsed.every((r) => isInt(r.label))) {
    const max = Math.max(...parsed.map((r) => Number(r.label)));
    classNames = Array.from({ length: Math.max(max + 1, 0) }, (_, i) => String(i));
  } else {
    if (parsed.some((r) => isInt(r.label)) && parsed.some((r) => !isInt(r.label))) {
      problems.warn(`${file}: the label column mixes numbers and names; each distinct value is treated as a class name`);
    }
    classNames = [...new Set(parsed.map((r) => r.label))].sort();
    classNames.forEach((c, i) => indexOf.set(c, i));
  }
  const samples: FileSample[] = [];
  for (const r of parsed) {
    let label = indexOf.get(r.label);
    if (label === undefined && isInt(r.label)) label = Number(r.label);
    if (label === undefined || label < 0 || label >= classNames.length) {
      problems.badFile(`${file} line ${r.line}`, `label '${r.label}' is out of range (classes: ${classNames.length <= 12 ? classNames.map((c, i) => (c === String(i) ? c : `${i} ${JSON.stringify(c)}`)).join('; ') : `0..${classNames.length - 1}`})`);
      continue;
    }
    samples.push({ path: r.path, label, split: r.split, group: r.group });
  }
  const present = new Set(samples.map((s) => s.label));
  if (present.size < 2) problems.fatal(`${file}: only ${present.size === 1 ? `one class ('${classNames[[...present][0]]}')` : 'no usable rows'}; a classifier needs at least two classes`);
  for (let c = 0; c < classNames.length; c++) if (!present.has(c)) problems.warn(`${file}: class ${classNames[c]} has no samples`);
  if (sc >= 0 && gc >= 0) {
    const splitOf = new Map<string, SplitName>();
    for (const s of samples) {
      const prev = splitOf.get(s.group!);
      if (prev && prev !== s.split) {
        problems.fatal(`${file}: group '${s.group}' appears in both the ${prev} and ${s.split} splits (patient leakage); put all of a group's rows in one split, or drop the split column to let medft split by group`);
        break;
      }
      splitOf.set(s.group!, s.split!);
    }
  }
  let channels: 1 | 3 | undefined = opts.channels;
  let final = samples;
  if (opts.verify) ({ samples: final, channels } = await verifySamples(samples, problems, opts, file));
  return fileDataset({ name: basename(file, extname(file)), kind: 'csv', source: file, root: base, classNames, samples: final, problems, opts, channels });
}
