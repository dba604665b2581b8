/**
 * The study's statistics over the finished cells, from src/eval: per case mean ± CI over seeds, paired tests against
 * the baseline, win shares, largest gains, average ranks with Friedman and Nemenyi; plus the headline sentences.
 */
import { averageRanks, compareToBaseline, type Comparison, type ResultRecord } from '../eval/index.ts';
import type { ReportCell } from './load.ts';

export const METRIC_LABELS: Record<string, string> = {
  accuracy: 'accuracy', balancedAccuracy: 'balanced accuracy', macroF1: 'macro-F1', macroAuc: 'AUC',
};

export interface Stats {
  metric: string;
  baseline: string;
  comparison: Comparison | null;
  /** Why there is no comparison (no finished baseline cell, …). */
  note: string | null;
  /** Average ranks over the cases where every strategy finished (also with a single case, without tests). */
  ranks: { strategies: string[]; averageRanks: number[]; cases: number; cd: number | null } | null;
  headline: string[];
}

export function recordsOf(cells: ReportCell[], metric: string): ResultRecord[] {
  const out: ResultRecord[] = [];
  for (const c of cells) {
    const v = c.test ? (c.test as unknown as Record<string, number | null>)[metric] : null;
    if (c.status === 'done' && typeof v === 'number' && Number.isFinite(v)) out.push({ case: c.caseName, strategy: c.label, seed: c.seed, value: v });
  }
  return out;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const pts = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)} pts`;

export function computeStats(cells: ReportCell[], metric: string, baseline: string): Stats {
  const records = recordsOf(cells, metric);
  if (!records.some((r) => r.strategy === baseline)) {
    return { metric, baseline, comparison: null, ranks: null, headline: [], note: `no finished '${baseline}' cell yet: the comparison to the baseline needs it` };
  }
  const comparison = compareToBaseline(records, { baseline });
  let ranks: Stats['ranks'] = null;
  if (comparison.ranks) {
    ranks = { strategies: comparison.ranks.strategies, averageRanks: comparison.ranks.averageRanks, cases: comparison.ranks.cases.length, cd: comparison.ranks.nemenyi?.cd ?? null };
  } else {
    const means = new Map(comparison.cells.map((c) => [`${c.case}\u0000${c.strategy}`, c.mean]));
    const complete = comparison.cases.filter((c) => comparison.strategies.every((s) => means.has(`${c}\u0000${s}`)));
    if (complete.length >= 1 && comparison.strategies.length >= 2) {
      const scores = complete.map((c) => comparison.strategies.map((s) => means.get(`${c}\u0000${s}`)!));
      ranks = { strategies: comparison.strategies, averageRanks: averageRanks(scores, true), cases: complete.length, cd: null };
    }
  }
  const name = METRIC_LABELS[metric] ?? metric;
  const headline: string[] = [];
  for (const w of comparison.wins) {
    const g = comparison.largestGain.find((x) => x.strategy === w.strategy);
    const gain = g ? `; largest gain ${pts(g.gain)} ${name}${g.relativeGain != null ? ` (${g.relativeGain >= 0 ? '+' : '−'}${pct(Math.abs(g.relativeGain))} relative)` : ''} on ${g.case}` : '';
    headline.push(`${w.strategy} vs ${baseline}: improves in ${w.wins} of ${w.cases} case(s) (${pct(w.share)}), ties ${w.ties}, worse in ${w.losses}${gain}`);
  }
  return { metric, baseline, comparison, ranks, headline, note: null };
}
