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

/** Below this many cases a share of cases reads as more than it is (one case is "100%") and no sign test can reach
 * p < 0.05 (four wins of four give p = 0.125), so counts are given as counts. */
export const MIN_CASES_FOR_SHARE = 5;

/** "3.8 points lower than ft": a difference of two values in [0, 1], in plain words. */
export function pointsWords(difference: number, other: string): string {
  const pts = Math.abs(100 * difference);
  if (pts < 0.05) return `the same as ${other}`;
  return `${pts.toFixed(1)} points ${difference > 0 ? 'higher' : 'lower'} than ${other}`;
}

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
    if (w.cases === 1) {
      headline.push(`${w.strategy}: ${g ? `${pointsWords(g.gain, baseline)} in test ${name} on ${g.case}` : `no common case with ${baseline}`} (one case: nothing to count across cases)`);
      continue;
    }
    const counted = `${w.strategy} against ${baseline}: higher ${name} in ${w.wins} of ${w.cases} cases, lower in ${w.losses}, tied in ${w.ties}`;
    const share = w.cases >= MIN_CASES_FOR_SHARE ? ` (${(100 * w.share).toFixed(0)}% of cases; sign test p = ${w.signTestP.toFixed(3)})` : ` (too few cases for a sign test)`;
    const gains = g ? `; on average ${pointsWords(g.meanGain, baseline)}; at best ${pointsWords(g.gain, baseline)}${g.relativeGain != null && g.gain > 0 ? ` (${(100 * g.relativeGain).toFixed(1)}% relative)` : ''} on ${g.case}` : '';
    headline.push(`${counted}${share}${gains}`);
  }
  return { metric, baseline, comparison, ranks, headline, note: null };
}
