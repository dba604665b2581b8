/** Mean, sample standard deviation and the Student-t confidence interval of the mean (e.g. a metric over seeds). */
import { InputError } from '../errors.ts';
import { tQuantile } from './distributions.ts';
import { checkFinite } from './values.ts';

export interface Interval {
  level: number;
  lo: number;
  hi: number;
}

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (divisor n − 1); null when n < 2. */
  sd: number | null;
  /** Standard error sd/√n; null when n < 2. */
  se: number | null;
  /** mean ± t_{(1+level)/2, n−1}·sd/√n; null when n < 2. */
  ci: Interval | null;
}

export function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new InputError(`confidence level must be strictly between 0 and 1, got ${level}`);
}

export function mean(values: ArrayLike<number>): number {
  const x = checkFinite(values, 'mean');
  return x.reduce((s, v) => s + v, 0) / x.length;
}

/** Sample standard deviation with divisor n − 1 (two-pass); null for a single value. */
export function sampleSd(values: ArrayLike<number>): number | null {
  const x = checkFinite(values, 'standard deviation');
  if (x.length < 2) return null;
  const m = x.reduce((s, v) => s + v, 0) / x.length;
  const ss = x.reduce((s, v) => s + (v - m) * (v - m), 0);
  return Math.sqrt(ss / (x.length - 1));
}

/** Student-t confidence interval of the mean; null for a single value. */
export function meanCI(values: ArrayLike<number>, level = 0.95): Interval | null {
  return describe(values, level).ci;
}

export function describe(values: ArrayLike<number>, level = 0.95): Summary {
  checkLevel(level);
  const x = checkFinite(values, 'summary');
  const n = x.length;
  const m = mean(x);
  const sd = sampleSd(x);
  if (sd === null) return { n, mean: m, sd: null, se: null, ci: null };
  const se = sd / Math.sqrt(n);
  const h = tQuantile((1 + level) / 2, n - 1) * se;
  return { n, mean: m, sd, se, ci: { level, lo: m - h, hi: m + h } };
}
