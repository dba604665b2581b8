/**
 * The study's comparison: strategies against a baseline ("ft") over cases (dataset × model) and seeds.
 * Per case: mean ± sd and CI over seeds for every strategy, and the paired difference to the baseline over the seeds
 * both ran (paired t-test, Wilcoxon signed-rank). Across cases (on per-case means): the share of cases where each
 * strategy beats the baseline with a sign test, its largest gain and where, and average ranks with the Friedman test
 * and the Nemenyi critical difference.
 */
import { InputError } from '../errors.ts';
import { describe, type Summary } from './describe.ts';
import { friedmanTest, NEMENYI_Q_05, nemenyi, type FriedmanTest, type NemenyiResult } from './friedman.ts';
import { pairedTTest, type PairedTTest } from './paired-t.ts';
import { signTest } from './binomial.ts';
import { pairedDifferences } from './values.ts';
import { wilcoxonSignedRank, type WilcoxonTest } from './wilcoxon.ts';

/** One result: the metric value of one strategy on one case with one seed. */
export interface ResultRecord {
  case: string;
  strategy: string;
  seed: string | number;
  value: number;
}

export interface CompareOptions {
  /** The strategy every other one is compared to (default "ft"). */
  baseline?: string;
  /** Larger values are better (default true); false for NLL or ECE. */
  higherIsBetter?: boolean;
  /** Confidence level of the intervals (default 0.95). */
  level?: number;
  /** Tie correction in the Friedman test (default true). */
  tieCorrection?: boolean;
}

export interface CellSummary extends Summary {
  case: string;
  strategy: string;
}

export interface PairedComparison {
  case: string;
  strategy: string;
  /** Seeds run by both the strategy and the baseline in this case. */
  seeds: (string | number)[];
  /** Mean of (strategy − baseline) over those seeds. */
  meanDiff: number;
  /** Paired t-test over seeds; null with fewer than 2 shared seeds. */
  tTest: PairedTTest | null;
  /** Wilcoxon signed-rank test over seeds; null with fewer than 2 shared seeds. */
  wilcoxon: WilcoxonTest | null;
}

export interface WinShare {
  strategy: string;
  /** Cases where both the strategy and the baseline have results. */
  cases: number;
  wins: number;
  ties: number;
  losses: number;
  /** wins / cases. */
  share: number;
  /** Two-sided sign-test p-value of wins against losses (ties left out). */
  signTestP: number;
}

export interface Gain {
  strategy: string;
  /** The case with the largest gain. */
  case: string;
  /** Improvement over the baseline in metric units (positive = better, whatever the direction of the metric). */
  gain: number;
  /** gain / |baseline mean|; null when the baseline mean is 0. */
  relativeGain: number | null;
  strategyMean: number;
  baselineMean: number;
  /** Mean gain over all compared cases. */
  meanGain: number;
}

export interface Comparison {
  baseline: string;
  higherIsBetter: boolean;
  level: number;
  /** Strategies in order of first appearance, the baseline first. */
  strategies: string[];
  /** Cases in order of first appearance. */
  cases: string[];
  cells: CellSummary[];
  paired: PairedComparison[];
  wins: WinShare[];
  /** Largest gain per strategy; strategies with no case shared with the baseline are left out. */
  largestGain: Gain[];
  /**
   * Ranks over the cases where every strategy has a result (on per-case means); null with fewer than 2 such cases or
   * fewer than 2 strategies. nemenyi is null for more than 20 strategies.
   */
  ranks: (FriedmanTest & { strategies: string[]; cases: string[]; nemenyi: NemenyiResult | null }) | null;
}

export function compareToBaseline(records: readonly ResultRecord[], options: CompareOptions = {}): Comparison {
  const baseline = options.baseline ?? 'ft';
  const higherIsBetter = options.higherIsBetter ?? true;
  const level = options.level ?? 0.95;
  const strategies: string[] = [];
  const cases: string[] = [];
  const table = new Map<string, Map<string, Map<string, { seed: string | number; value: number }>>>();
  records.forEach((r, i) => {
    if (typeof r.value !== 'number' || !Number.isFinite(r.value)) {
      throw new InputError(`result ${i} (case ${r.case}, strategy ${r.strategy}, seed ${r.seed}) has value ${r.value}, not a finite number`);
    }
    if (!cases.includes(r.case)) cases.push(r.case);
    if (!strategies.includes(r.strategy)) strategies.push(r.strategy);
    const byStrategy = table.get(r.case) ?? new Map();
    table.set(r.case, byStrategy);
    const bySeed = byStrategy.get(r.strategy) ?? new Map();
    byStrategy.set(r.strategy, bySeed);
    const key = String(r.seed);
    if (bySeed.has(key)) throw new InputError(`duplicate result for case ${r.case}, strategy ${r.strategy}, seed ${r.seed}: one value per cell`);
    bySeed.set(key, { seed: r.seed, value: r.value });
  });
  if (!strategies.includes(baseline)) {
    throw new InputError(`baseline strategy "${baseline}" has no results; strategies present: ${strategies.join(', ') || '(none)'}`);
  }
  strategies.splice(strategies.indexOf(baseline), 1);
  strategies.unshift(baseline);

  const cells: CellSummary[] = [];
  const means = new Map<string, Map<string, number>>();
  for (const c of cases) {
    const m = new Map<string, number>();
    means.set(c, m);
    for (const s of strategies) {
      const bySeed = table.get(c)?.get(s);
      if (!bySeed) continue;
      const summary = describe([...bySeed.values()].map((v) => v.value), level);
      m.set(s, summary.mean);
      cells.push({ case: c, strategy: s, ...summary });
    }
  }

  const paired: PairedComparison[] = [];
  for (const c of cases) {
    const base = table.get(c)?.get(baseline);
    if (!base) continue;
    for (const s of strategies.slice(1)) {
      const other = table.get(c)?.get(s);
      if (!other) continue;
      const shared = [...other.keys()].filter((k) => base.has(k));
      if (shared.length === 0) continue;
      const a = shared.map((k) => other.get(k)!.value);
      const b = shared.map((k) => base.get(k)!.value);
      const d = pairedDifferences(a, b, 'paired comparison');
      paired.push({
        case: c,
        strategy: s,
        seeds: shared.map((k) => other.get(k)!.seed),
        meanDiff: d.reduce((x, y) => x + y, 0) / d.length,
        tTest: shared.length >= 2 ? pairedTTest(a, b, level) : null,
        wilcoxon: shared.length >= 2 ? wilcoxonSignedRank(a, b) : null,
      });
    }
  }

  const wins: WinShare[] = [];
  const largestGain: Gain[] = [];
  for (const s of strategies.slice(1)) {
    let w = 0;
    let t = 0;
    let l = 0;
    let best: Gain | null = null;
    let gainSum = 0;
    for (const c of cases) {
      const m = means.get(c)!;
      const sm = m.get(s);
      const bm = m.get(baseline);
      if (sm === undefined || bm === undefined) continue;
      const [gain] = pairedDifferences(higherIsBetter ? [sm] : [bm], higherIsBetter ? [bm] : [sm], 'gain');
      if (gain > 0) w++;
      else if (gain < 0) l++;
      else t++;
      gainSum += gain;
      if (best === null || gain > best.gain) {
        best = { strategy: s, case: c, gain, relativeGain: bm === 0 ? null : gain / Math.abs(bm), strategyMean: sm, baselineMean: bm, meanGain: 0 };
      }
    }
    const n = w + t + l;
    if (n === 0) continue;
    wins.push({ strategy: s, cases: n, wins: w, ties: t, losses: l, share: w / n, signTestP: signTest(w, l, t).p });
    largestGain.push({ ...best!, meanGain: gainSum / n });
  }

  let ranks: Comparison['ranks'] = null;
  const complete = cases.filter((c) => strategies.every((s) => means.get(c)!.has(s)));
  if (complete.length >= 2 && strategies.length >= 2) {
    const scores = complete.map((c) => strategies.map((s) => means.get(c)!.get(s)!));
    const f = friedmanTest(scores, { higherIsBetter, tieCorrection: options.tieCorrection ?? true });
    const nem = NEMENYI_Q_05[strategies.length] !== undefined ? nemenyi(f.averageRanks, complete.length) : null;
    ranks = { ...f, strategies: [...strategies], cases: complete, nemenyi: nem };
  }

  return { baseline, higherIsBetter, level, strategies, cases, cells, paired, wins, largestGain, ranks };
}
