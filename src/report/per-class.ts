/**
 * Per-class results of each cell on the test split — precision, recall, F1 and support per class with macro and
 * support-weighted averages — and, for two classes, sensitivity, specificity, PPV and NPV of the positive class at the
 * argmax decision, with Wilson intervals. Everything comes from the stored test report (its confusion matrix and
 * perClass), so cells recorded before medft kept per-image predictions get these tables too.
 */
import { UsageError } from '../errors.ts';
import { parseMedmnistName } from '../data/medmnist.ts';
import { binaryDiagnostics, type BinaryDiagnostics, type Proportion } from '../eval/index.ts';
import type { ReportCell } from './load.ts';
import type { TCell, Table } from './tables.ts';

export interface PositiveClass {
  index: number;
  name: string;
  /** option: --positive-class; dataset: medft's metadata (src/data/medmnist.ts); minority: the rarer test class. */
  source: 'option' | 'dataset' | 'minority';
}

export const classNamesOf = (c: ReportCell): string[] => {
  const k = c.test?.numClasses ?? 0;
  const stored = (c.environment?.data as { classNames?: string[] } | undefined)?.classNames;
  return Array.from({ length: k }, (_, i) => stored?.[i] ?? c.test?.perClass[i]?.name ?? String(i));
};

function medmnistPositive(dataset: string): number | undefined {
  try {
    return parseMedmnistName(dataset)?.info.positiveClass;
  } catch {
    // Not a MedMNIST name medft knows (a folder, a CSV, an unknown size): no metadata to take it from.
    return undefined;
  }
}

/**
 * The positive class of a two-class problem: `override` (a class name or index, `--positive-class`), else the
 * dataset's metadata, else the class with fewer test images (ties → class 1), the usual convention for the condition
 * a test looks for. `where` names the problem in the error.
 */
export function choosePositive(names: string[], support: number[], dataset: string, override: string | undefined, where: string): PositiveClass | null {
  if (names.length !== 2) return null;
  if (override != null) {
    const byName = names.indexOf(override);
    const index = byName >= 0 ? byName : /^\d+$/.test(override) ? Number(override) : -1;
    if (index < 0 || index > 1) {
      throw new UsageError(`--positive-class ${JSON.stringify(override)}: ${where} has the classes ${names.map((n, i) => `${i} ${JSON.stringify(n)}`).join('; ')}; give one of their names or indices`);
    }
    return { index, name: names[index], source: 'option' };
  }
  const known = medmnistPositive(dataset);
  if (known != null) return { index: known, name: names[known], source: 'dataset' };
  const index = support[0] < support[1] ? 0 : 1;
  return { index, name: names[index], source: 'minority' };
}

export function positiveClass(c: ReportCell, override?: string): PositiveClass | null {
  if (!c.test) return null;
  return choosePositive(classNamesOf(c), c.test.perClass.map((p) => p.support), c.config.dataset.data, override, c.caseName);
}

const f3 = (x: number | null | undefined) => (x == null ? '–' : x.toFixed(3));
const t = (text: string, extra: Partial<TCell> = {}): TCell => ({ text, ...extra });
const done = (cells: ReportCell[]) => cells.filter((c) => c.status === 'done' && c.test);

/** Mean of the defined values, unweighted (macro) or weighted by support; null when none is defined. */
function average(values: (number | null)[], weights?: number[]): number | null {
  let sum = 0;
  let total = 0;
  values.forEach((v, i) => {
    if (v == null) return;
    const w = weights ? weights[i] : 1;
    sum += w * v;
    total += w;
  });
  return total > 0 ? sum / total : null;
}

export function perClassTable(caseName: string, cells: ReportCell[]): Table | null {
  const rows: TCell[][] = [];
  for (const c of done(cells)) {
    const pc = c.test!.perClass;
    const names = classNamesOf(c);
    const support = pc.map((p) => p.support);
    const row = (label: string, precision: number | null, recall: number | null, f1: number | null, n: number, data: Record<string, string | number>) => rows.push([
      t(c.label), t(String(c.seed)), t(label),
      t(f3(precision), { data: { ...data, precision: precision ?? '' } }), t(f3(recall), { data: { recall: recall ?? '' } }), t(f3(f1), { data: { f1: f1 ?? '' } }), t(String(n)),
    ]);
    const base = { cell: c.id, strategy: c.label, seed: c.seed };
    pc.forEach((p, i) => row(names[i], p.precision, p.recall, p.f1, p.support, { ...base, class: i }));
    const n = support.reduce((a, b) => a + b, 0);
    for (const [label, w] of [['macro average', undefined], ['weighted average', support]] as const) {
      row(label, average(pc.map((p) => p.precision), w), average(pc.map((p) => p.recall), w), average(pc.map((p) => p.f1), w), n, { ...base, class: label });
    }
  }
  if (!rows.length) return null;
  return {
    id: `per-class-${slug(caseName)}`,
    title: `Per class on the test split: ${caseName}`,
    note: 'at the argmax decision; macro average = mean over the classes where the value is defined, weighted average = the same weighted by support (test images of the class); a class never predicted has no precision',
    columns: ['strategy', 'seed', 'class', 'precision', 'recall', 'F1', 'support'],
    rows,
  };
}

const slug = (s: string) => s.replace(/[^\w]+/g, '-').replace(/^-|-$/g, '');

const withInterval = (p: Proportion, key: string): TCell =>
  t(p.value == null ? '–' : `${f3(p.value)} [${f3(p.interval!.lo)}, ${f3(p.interval!.hi)}]`,
    { data: { [key]: p.value ?? '', [`${key}-lower`]: p.interval?.lo ?? '', [`${key}-upper`]: p.interval?.hi ?? '' } });

export interface Diagnostics {
  cell: ReportCell;
  positive: PositiveClass;
  d: BinaryDiagnostics;
}

/** Sensitivity, specificity, PPV and NPV of every done two-class cell of a case. */
export function caseDiagnostics(cells: ReportCell[], override?: string): Diagnostics[] {
  const out: Diagnostics[] = [];
  for (const c of done(cells)) {
    const positive = positiveClass(c, override);
    if (positive) out.push({ cell: c, positive, d: binaryDiagnostics(c.test!.confusionMatrix, positive.index) });
  }
  return out;
}

const SOURCE_NOTE: Record<PositiveClass['source'], string> = {
  option: 'chosen with --positive-class',
  dataset: "the dataset's clinically positive class (medft's metadata; --positive-class overrides it)",
  minority: 'the class with fewer test images, as medft does not know which class is clinically positive here — set it with --positive-class',
};

export function diagnosticsTable(caseName: string, diagnostics: Diagnostics[]): Table | null {
  if (!diagnostics.length) return null;
  const positives = [...new Map(diagnostics.map((x) => [x.positive.name, x.positive])).values()];
  return {
    id: `diagnostic-${slug(caseName)}`,
    title: `Sensitivity and specificity: ${caseName}`,
    note: `positive class: ${positives.map((p) => `"${p.name}" (class ${p.index}), ${SOURCE_NOTE[p.source]}`).join('; ')}. At the argmax decision on the test split; ` +
      'sensitivity = TP/(TP+FN), specificity = TN/(TN+FP), PPV = TP/(TP+FP), NPV = TN/(TN+FN) with 95% Wilson intervals; PPV and NPV depend on how common the positive class is in this test split',
    columns: ['strategy', 'seed', 'positive class', 'sensitivity [95% CI]', 'specificity [95% CI]', 'PPV [95% CI]', 'NPV [95% CI]', 'TP / FN / FP / TN'],
    rows: diagnostics.map(({ cell, positive, d }) => [
      t(cell.label), t(String(cell.seed)), t(`"${positive.name}"`, { data: { cell: cell.id, positive: positive.index, source: positive.source } }),
      withInterval(d.sensitivity, 'sensitivity'), withInterval(d.specificity, 'specificity'), withInterval(d.ppv, 'ppv'), withInterval(d.npv, 'npv'),
      t(`${d.tp} / ${d.fn} / ${d.fp} / ${d.tn}`, { data: { tp: d.tp, fn: d.fn, fp: d.fp, tn: d.tn } }),
    ]),
  };
}
