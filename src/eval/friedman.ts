/**
 * Average ranks across cases, the Friedman test and its Iman–Davenport F variant, and the Nemenyi critical
 * difference (Demšar, "Statistical comparisons of classifiers over multiple data sets", JMLR 7, 2006, §3.2.2).
 */
import { InputError } from '../errors.ts';
import { chiSquareSf, fSf } from './distributions.ts';
import { midRanks } from './ranking.ts';
import { checkFinite } from './values.ts';

export interface FriedmanOptions {
  /** Rank 1 goes to the largest value (default true); false for losses and errors (NLL, ECE). */
  higherIsBetter?: boolean;
  /**
   * Divide χ² by 1 − Σ(t³ − t)/(N·k·(k² − 1)) over the tie groups of every case (as R's friedman.test and SciPy do;
   * default true). Without ties this changes nothing; false gives Demšar's formula exactly.
   */
  tieCorrection?: boolean;
}

export interface FriedmanTest {
  /** Cases (N). */
  n: number;
  /** Methods (k). */
  k: number;
  /** Mean rank of each method over cases; 1 = best, ties get the mean of the ranks they span. */
  averageRanks: number[];
  /** Ranks per case (rows) and method (columns). */
  ranks: number[][];
  chiSquare: number;
  df: number;
  /** P(χ²_{k−1} ≥ chiSquare). */
  p: number;
  imanDavenport: {
    /** (N − 1)χ² / (N(k − 1) − χ²); null when the ranks agree perfectly in every case (division by zero). */
    f: number | null;
    df1: number;
    df2: number;
    /** P(F_{df1, df2} ≥ f); 0 when f is null (infinite). */
    p: number;
  };
}

/** Ranks of each case's values (1 = best), ties averaged. */
export function rankCases(scores: ReadonlyArray<ArrayLike<number>>, higherIsBetter = true): number[][] {
  if (scores.length === 0) throw new InputError('ranking needs at least one case (row)');
  const k = scores[0].length;
  return scores.map((row, i) => {
    if (row.length !== k) throw new InputError(`ranking: case ${i} has ${row.length} values, the first case has ${k}; every case needs one value per method`);
    const v = checkFinite(row, `ranking, case ${i}`);
    return Array.from(midRanks(higherIsBetter ? v.map((x) => -x) : v).ranks);
  });
}

/** Average rank of each method (column) over the cases (rows); 1 = best. */
export function averageRanks(scores: ReadonlyArray<ArrayLike<number>>, higherIsBetter = true): number[] {
  const ranks = rankCases(scores, higherIsBetter);
  const k = ranks[0].length;
  return Array.from({ length: k }, (_, j) => ranks.reduce((s, r) => s + r[j], 0) / ranks.length);
}

/** Friedman test over a cases × methods table of scores (e.g. mean accuracy of each strategy per dataset × model). */
export function friedmanTest(scores: ReadonlyArray<ArrayLike<number>>, options: FriedmanOptions = {}): FriedmanTest {
  const higherIsBetter = options.higherIsBetter ?? true;
  const tieCorrection = options.tieCorrection ?? true;
  const ranks = rankCases(scores, higherIsBetter);
  const n = ranks.length;
  const k = ranks[0].length;
  if (n < 2) throw new InputError(`Friedman test needs at least 2 cases, got ${n}`);
  if (k < 2) throw new InputError(`Friedman test needs at least 2 methods, got ${k}`);
  const avg = Array.from({ length: k }, (_, j) => ranks.reduce((s, r) => s + r[j], 0) / n);
  let chi = friedmanChiSquare(avg, n);
  if (tieCorrection) {
    let tieSum = 0;
    for (const r of ranks) for (const t of midRanks(r).tieSizes) tieSum += t * t * t - t;
    const c = 1 - tieSum / (n * k * (k * k - 1));
    chi = c > 0 ? chi / c : 0;
  }
  return { n, k, averageRanks: avg, ranks, chiSquare: chi, df: k - 1, p: chiSquareSf(chi, k - 1), imanDavenport: imanDavenport(chi, n, k) };
}

/** Demšar's χ²_F = 12N/(k(k+1))·[Σ_j R_j² − k(k+1)²/4] from the average ranks R_j over N cases (no tie correction). */
export function friedmanChiSquare(averageRanksOfMethods: readonly number[], n: number): number {
  const k = averageRanksOfMethods.length;
  const chi = ((12 * n) / (k * (k + 1))) * (averageRanksOfMethods.reduce((s, r) => s + r * r, 0) - (k * (k + 1) * (k + 1)) / 4);
  return Math.max(0, chi);
}

/** Iman–Davenport F_F = (N − 1)χ²_F / (N(k − 1) − χ²_F), distributed as F with (k − 1, (k − 1)(N − 1)) df. */
export function imanDavenport(chiSquare: number, n: number, k: number): FriedmanTest['imanDavenport'] {
  const df1 = k - 1;
  const df2 = (k - 1) * (n - 1);
  const denom = n * (k - 1) - chiSquare;
  const f = denom > 1e-12 * n * (k - 1) ? ((n - 1) * chiSquare) / denom : null;
  return { f, df1, df2, p: f === null ? 0 : fSf(f, df1, df2) };
}

/**
 * Critical values q_0.05 of the Nemenyi test: the studentized range statistic for k groups and infinite degrees of
 * freedom at α = 0.05, divided by √2. k = 2..10 as printed in Demšar (2006) Table 5(a); k = 11..20 from the same
 * distribution (Harter's studentized range tables, q/√2, three decimals).
 */
export const NEMENYI_Q_05: Readonly<Record<number, number>> = Object.freeze({
  2: 1.96, 3: 2.343, 4: 2.569, 5: 2.728, 6: 2.85, 7: 2.949, 8: 3.031, 9: 3.102, 10: 3.164,
  11: 3.219, 12: 3.268, 13: 3.313, 14: 3.354, 15: 3.391, 16: 3.426, 17: 3.458, 18: 3.489, 19: 3.517, 20: 3.544,
});

/** Nemenyi critical difference CD = q_α·√(k(k+1)/(6N)) at α = 0.05 for k = 2..20 methods over N cases. */
export function nemenyiCriticalDifference(k: number, n: number): number {
  const q = NEMENYI_Q_05[k];
  if (q === undefined) throw new InputError(`Nemenyi critical difference is tabulated for 2 to 20 methods, got k = ${k}`);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`Nemenyi critical difference needs N ≥ 1 cases, got ${n}`);
  return q * Math.sqrt((k * (k + 1)) / (6 * n));
}

export interface NemenyiResult {
  alpha: 0.05;
  q: number;
  cd: number;
  /** Every pair i < j: |R_i − R_j| and whether it exceeds CD (the two methods differ significantly). */
  pairs: { i: number; j: number; rankDiff: number; significant: boolean }[];
}

/** Nemenyi post-hoc comparison of all pairs from average ranks over N cases. */
export function nemenyi(averageRanksOfMethods: readonly number[], n: number): NemenyiResult {
  const k = averageRanksOfMethods.length;
  const cd = nemenyiCriticalDifference(k, n);
  const pairs: NemenyiResult['pairs'] = [];
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const rankDiff = Math.abs(averageRanksOfMethods[i] - averageRanksOfMethods[j]);
      pairs.push({ i, j, rankDiff, significant: rankDiff > cd });
    }
  }
  return { alpha: 0.05, q: NEMENYI_Q_05[k], cd, pairs };
}
