/**
 * Paired tests on the test images: each strategy's cell against the baseline strategy's cell of the same case and
 * seed — the same images, so the tests use which images each gets right instead of two independent samples — and
 * each strategy against always answering the majority class. Accuracy: exact McNemar. AUC: DeLong with two classes,
 * a paired bootstrap with more. Balanced accuracy or macro-F1, when the report's metric: a paired bootstrap. Holm's
 * adjustment runs over the strategies of one case, seed, opponent and measure: the family a reader scans when asking
 * "which strategies differ from the baseline here".
 */
import { delongTest, holm, majorityBaseline, mcnemarExact, METRICS, pairedBootstrap, predictClasses } from '../eval/index.ts';
import type { SplitPredictions } from '../train/predict.ts';
import type { ReportCell } from './load.ts';

/** Fixed settings so that the report, and a reader re-running src/eval on the stored predictions, get the same p. */
export const PAIRED_BOOTSTRAP = { resamples: 2000, seed: 0, level: 0.95 } as const;
export const MAJORITY = 'majority class';

export type Measure = 'accuracy' | 'macroAuc' | 'balancedAccuracy' | 'macroF1';
export type PairedTestName = 'McNemar (exact)' | 'DeLong' | 'paired bootstrap';

export interface PairedRow {
  caseName: string;
  seed: number;
  strategy: string;
  /** The baseline strategy's label, or MAJORITY. */
  versus: string;
  measure: Measure;
  test: PairedTestName;
  n: number;
  /** The measure for the strategy and for its opponent, and strategy − opponent. */
  a: number | null;
  b: number | null;
  difference: number | null;
  /** Paired bootstrap interval of the difference (bootstrap rows only). */
  interval: { lo: number; hi: number } | null;
  /** McNemar: images only the strategy gets right / only the opponent gets right; DeLong: why p is missing. */
  detail: string;
  p: number | null;
  holm: number | null;
}

export interface PairedImages {
  rows: PairedRow[];
  /** Pairs that could not be compared, and why. */
  skipped: string[];
}

const correct = (p: SplitPredictions) => {
  const pred = predictClasses(p.probabilities, p.numClasses);
  return p.labels.map((y, i) => y === pred[i]);
};
const share = (xs: boolean[]) => xs.filter(Boolean).length / xs.length;
const column = (p: SplitPredictions, c: number) => Float64Array.from(p.labels, (_, i) => p.probabilities[i * p.numClasses + c]);
const sameImages = (a: SplitPredictions, b: SplitPredictions) =>
  a.sampleIds.length === b.sampleIds.length && a.sampleIds.every((s, i) => s === b.sampleIds[i] && a.labels[i] === b.labels[i]);

type Unadjusted = Omit<PairedRow, 'holm'>;

function mcnemarRow(base: Omit<Unadjusted, 'measure' | 'test' | 'a' | 'b' | 'difference' | 'interval' | 'detail' | 'p'>, mine: boolean[], theirs: boolean[]): Unadjusted {
  const r = mcnemarExact(mine, theirs);
  const a = share(mine);
  const b = share(theirs);
  // n10: images the strategy (A) gets right and the opponent wrong.
  return { ...base, measure: 'accuracy', test: 'McNemar (exact)', a, b, difference: a - b, interval: null, detail: `${r.n10} / ${r.n01}`, p: r.pValue };
}

function versusBaseline(caseName: string, seed: number, strategy: string, versus: string, A: SplitPredictions, B: SplitPredictions, metric: string): Unadjusted[] {
  const base = { caseName, seed, strategy, versus, n: A.labels.length };
  const rows = [mcnemarRow(base, correct(A), correct(B))];
  const labels = Int32Array.from(A.labels);
  const k = A.numClasses;
  if (k === 2) {
    const d = delongTest(labels, column(A, 1), column(B, 1));
    rows.push({ ...base, measure: 'macroAuc', test: 'DeLong', a: d.aucA, b: d.aucB, difference: d.difference, interval: null, detail: d.reason ?? '', p: d.pValue });
  }
  const macro: Measure[] = k > 2 ? ['macroAuc'] : [];
  if (metric === 'balancedAccuracy' || metric === 'macroF1') macro.push(metric);
  for (const m of macro) {
    const r = pairedBootstrap(labels, A.probabilities, B.probabilities, k, m, PAIRED_BOOTSTRAP);
    const value = (P: SplitPredictions) => METRICS[m](labels, Float64Array.from(P.probabilities), k);
    rows.push({ ...base, measure: m, test: 'paired bootstrap', a: value(A), b: value(B), difference: r.estimate, interval: { lo: r.lo, hi: r.hi }, detail: `${r.valid} of ${r.resamples} resamples`, p: r.pValue });
  }
  return rows;
}

/** Every paired comparison of the done cells with kept test predictions; `baseline` is the baseline strategy's label. */
export function pairedImageTests(cells: ReportCell[], baseline: string, metric: string): PairedImages {
  const rows: Unadjusted[] = [];
  const skipped: string[] = [];
  const groups = new Map<string, ReportCell[]>();
  for (const c of cells) {
    if (c.status !== 'done' || !c.testPredictions) continue;
    const key = JSON.stringify([c.caseName, c.seed]);
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  for (const group of groups.values()) {
    const { caseName, seed } = group[0];
    const ref = group.find((c) => c.label === baseline);
    for (const c of group) {
      const P = c.testPredictions!;
      const majority = majorityBaseline(Int32Array.from(P.labels), P.numClasses).majorityClass;
      rows.push(mcnemarRow({ caseName, seed, strategy: c.label, versus: MAJORITY, n: P.labels.length }, correct(P), P.labels.map((y) => y === majority)));
      if (!ref || c === ref) continue;
      if (!sameImages(P, ref.testPredictions!)) {
        skipped.push(`${caseName}, seed ${seed}: ${c.label} was tested on other images than ${baseline} (different split), so no paired test`);
        continue;
      }
      rows.push(...versusBaseline(caseName, seed, c.label, baseline, P, ref.testPredictions!, metric));
    }
    if (!ref && group.length > 1) skipped.push(`${caseName}, seed ${seed}: no finished ${baseline} cell with kept predictions to pair with`);
  }
  return { rows: adjust(rows), skipped };
}

/** Holm within each (case, seed, opponent, measure), over the strategies. */
function adjust(rows: Unadjusted[]): PairedRow[] {
  const families = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const key = JSON.stringify([r.caseName, r.seed, r.versus, r.measure]);
    families.set(key, [...(families.get(key) ?? []), i]);
  });
  const adjusted = new Array<number | null>(rows.length).fill(null);
  for (const members of families.values()) {
    const h = holm(members.map((i) => rows[i].p));
    members.forEach((i, j) => { adjusted[i] = h[j]; });
  }
  return rows.map((r, i) => ({ ...r, holm: adjusted[i] }));
}
