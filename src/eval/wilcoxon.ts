/**
 * Wilcoxon signed-rank test (two-sided) of paired samples a, b: are the differences a − b symmetric about 0?
 * Zero differences are dropped (Wilcoxon's method); tied |differences| get mid-ranks. For n ≤ 50 non-zero differences
 * the p-value is exact: the permutation distribution of W⁺ over the 2ⁿ sign assignments of the (mid-)ranks, computed by
 * dynamic programming on doubled ranks (so exact with ties too). Above 50, the normal approximation with tie and
 * continuity corrections.
 */
import { midRanks } from './ranking.ts';
import { normalCdf } from './distributions.ts';
import { pairedDifferences } from './values.ts';

export const WILCOXON_EXACT_MAX_N = 50;

export interface WilcoxonTest {
  /** Non-zero differences used. */
  n: number;
  /** Zero differences dropped. */
  zeros: number;
  /** Sum of the ranks of positive differences. */
  wPlus: number;
  /** Sum of the ranks of negative differences. */
  wMinus: number;
  p: number;
  method: 'exact' | 'normal';
  /** True when some |differences| tied (mid-ranks used). */
  ties: boolean;
}

/** P(W⁺ ≤ w) and P(W⁺ ≥ w) under H0, over the 2ⁿ equally likely sign assignments of the given ranks. */
function exactTails(ranks: ArrayLike<number>, wPlus: number): { le: number; ge: number } {
  const r2 = Array.from(ranks, (r) => Math.round(2 * r)); // mid-ranks are multiples of ½
  const total = r2.reduce((s, v) => s + v, 0);
  let dist = new Float64Array(total + 1);
  dist[0] = 1;
  let reach = 0;
  for (const r of r2) {
    const next = new Float64Array(total + 1);
    for (let s = 0; s <= reach; s++) {
      if (dist[s] === 0) continue;
      next[s] += 0.5 * dist[s];
      next[s + r] += 0.5 * dist[s];
    }
    reach += r;
    dist = next;
  }
  const w2 = Math.round(2 * wPlus);
  let le = 0;
  let ge = 0;
  for (let s = 0; s <= total; s++) {
    if (s <= w2) le += dist[s];
    if (s >= w2) ge += dist[s];
  }
  return { le, ge };
}

export function wilcoxonSignedRank(a: ArrayLike<number>, b: ArrayLike<number>): WilcoxonTest {
  const all = pairedDifferences(a, b, 'Wilcoxon signed-rank test');
  const d = all.filter((v) => v !== 0);
  const zeros = all.length - d.length;
  const n = d.length;
  if (n === 0) return { n: 0, zeros, wPlus: 0, wMinus: 0, p: 1, method: 'exact', ties: false };
  const { ranks, tieSizes } = midRanks(d.map(Math.abs));
  let wPlus = 0;
  for (let i = 0; i < n; i++) if (d[i] > 0) wPlus += ranks[i];
  const wMinus = (n * (n + 1)) / 2 - wPlus;
  const ties = tieSizes.length > 0;
  if (n <= WILCOXON_EXACT_MAX_N) {
    const { le, ge } = exactTails(ranks, wPlus);
    return { n, zeros, wPlus, wMinus, p: Math.min(1, 2 * Math.min(le, ge)), method: 'exact', ties };
  }
  const mu = (n * (n + 1)) / 4;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieSizes.reduce((s, t) => s + t * t * t - t, 0) / 48;
  const z = Math.max(0, Math.abs(wPlus - mu) - 0.5) / Math.sqrt(variance);
  return { n, zeros, wPlus, wMinus, p: Math.min(1, 2 * (1 - normalCdf(z))), method: 'normal', ties };
}
