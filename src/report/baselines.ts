/**
 * The floor every result stands next to: what always answering the test split's most frequent class scores
 * (src/eval majorityBaseline: its share as accuracy, 1/k balanced accuracy, AUC 0.5, its macro-F1), per cell and per
 * case, and which cells score below it on the report's metric. Only the test split's class counts are needed, and
 * every finished cell records them, so this works for cells recorded before medft kept per-image predictions.
 */
import { majorityBaseline, type MajorityBaseline } from '../eval/index.ts';
import { loadReportData, metricValue, type ReportCell } from './load.ts';
import { selectLr } from './select-lr.ts';
import { METRIC_LABELS } from './stats.ts';

export interface Majority extends MajorityBaseline {
  className: string;
  /** Test images per class, as the cell recorded them. */
  classCounts: number[];
}

/** Test class counts: from the kept labels, else the split record, else the test confusion matrix's row sums. */
function testClassCounts(c: ReportCell): number[] | null {
  const p = c.testPredictions;
  if (p) {
    const counts = new Array<number>(p.numClasses).fill(0);
    for (const y of p.labels) counts[y]++;
    return counts;
  }
  const split = (c.environment?.data as { splits?: Record<string, { classCounts?: number[] }> } | undefined)?.splits?.test;
  if (split?.classCounts?.length) return split.classCounts;
  return c.test ? c.test.confusionMatrix.map((row) => row.reduce((a, b) => a + b, 0)) : null;
}

/** The majority baseline on a done cell's own test split; null when the cell has no test result. */
export function cellMajority(c: ReportCell): Majority | null {
  if (c.status !== 'done') return null;
  const counts = testClassCounts(c);
  if (!counts || counts.length < 2 || counts.reduce((a, b) => a + b, 0) === 0) return null;
  // The baseline depends on the counts only, so the labels are rebuilt from them in class order.
  const labels = Int32Array.from(counts.flatMap((n, y) => new Array<number>(n).fill(y)));
  const m = majorityBaseline(labels, counts.length);
  const names = (c.environment?.data as { classNames?: string[] } | undefined)?.classNames;
  return { ...m, className: names?.[m.majorityClass] ?? String(m.majorityClass), classCounts: counts };
}

export const majorityValue = (m: MajorityBaseline, metric: string): number | null =>
  (m as unknown as Record<string, number | null>)[metric] ?? null;

export interface CaseMajority {
  caseName: string;
  /** Mean over the case's distinct test splits (one value when every seed tests on the same images). */
  value: number | null;
  /** The majority class of the first test split. */
  className: string;
  splits: number;
}

export interface BelowMajority {
  cell: ReportCell;
  value: number;
  majority: number;
}

export interface MajorityView {
  metric: string;
  byCell: Map<string, { value: number | null; below: boolean }>;
  byCase: Map<string, CaseMajority>;
  below: BelowMajority[];
}

/** Baselines of every done cell and case on `metric`, and the cells strictly below their own test split's baseline. */
export function majorityView(cells: ReportCell[], metric: string): MajorityView {
  const byCell = new Map<string, { value: number | null; below: boolean }>();
  const splitsOfCase = new Map<string, Map<string, { value: number | null; className: string }>>();
  const below: BelowMajority[] = [];
  for (const c of cells) {
    const m = cellMajority(c);
    if (!m) continue;
    const base = majorityValue(m, metric);
    const v = metricValue(c, 'test', metric);
    const isBelow = base != null && v != null && v < base;
    byCell.set(c.id, { value: base, below: isBelow });
    if (isBelow) below.push({ cell: c, value: v, majority: base });
    const splits = splitsOfCase.get(c.caseName) ?? new Map();
    splits.set(JSON.stringify(m.classCounts), { value: base, className: m.className });
    splitsOfCase.set(c.caseName, splits);
  }
  const byCase = new Map<string, CaseMajority>();
  for (const [caseName, splits] of splitsOfCase) {
    const values = [...splits.values()].map((s) => s.value).filter((x): x is number => x != null);
    byCase.set(caseName, {
      caseName,
      value: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null,
      className: [...splits.values()][0].className,
      splits: splits.size,
    });
  }
  return { metric, byCell, byCase, below };
}

/** One line per case: the baseline and every cell below it (the report's headline and `medft run`'s summary). */
export function majorityLines(view: MajorityView, cells: ReportCell[]): string[] {
  const name = METRIC_LABELS[view.metric] ?? view.metric;
  const lines: string[] = [];
  for (const [caseName, m] of view.byCase) {
    const inCase = cells.filter((c) => c.caseName === caseName && view.byCell.has(c.id));
    const low = view.below.filter((b) => b.cell.caseName === caseName);
    const base = m.value == null ? '–' : m.value.toFixed(3);
    const what = `${caseName}: majority-class baseline (always '${m.className}') test ${name} ${base}${m.splits > 1 ? ` (mean over ${m.splits} test splits)` : ''}`;
    lines.push(low.length === 0 ? `${what}; no cell below it`
      : `${what}; BELOW IT: ${low.length} of ${inCase.length} cell(s): ${low.map((b) => `${b.cell.label} seed ${b.cell.seed} (${b.value.toFixed(3)} < ${b.majority.toFixed(3)})`).join(', ')}`);
  }
  return lines;
}

/** The per-case lines for a run folder (`medft run`'s summary), on the cells the report analyses. */
export function majoritySummary(dir: string): string[] {
  const data = loadReportData(dir);
  const metric = (data.experiment.spec as { metric?: string }).metric ?? 'accuracy';
  const { cells } = selectLr(data.cells, metric);
  return majorityLines(majorityView(cells, metric), cells);
}
