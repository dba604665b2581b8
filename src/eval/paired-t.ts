/** Paired t-test (two-sided) of a − b: does the mean difference differ from 0? */
import { InputError } from '../errors.ts';
import { describe, checkLevel, type Interval } from './describe.ts';
import { tTwoSidedP } from './distributions.ts';
import { checkFinite } from './values.ts';

export interface PairedTTest {
  n: number;
  /** mean(a − b). */
  meanDiff: number;
  sdDiff: number;
  df: number;
  /** meanDiff / (sdDiff/√n); null when every difference is the same (sd = 0), where t is undefined or infinite. */
  t: number | null;
  /** Two-sided p-value; with sd = 0 it is 1 when all differences are 0, else 0. */
  p: number;
  /** Confidence interval of the mean difference. */
  ci: Interval;
}

export function pairedTTest(a: ArrayLike<number>, b: ArrayLike<number>, level = 0.95): PairedTTest {
  checkLevel(level);
  const x = checkFinite(a, 'paired t-test');
  const y = checkFinite(b, 'paired t-test');
  if (x.length !== y.length) throw new InputError(`paired t-test needs paired samples of equal length, got ${x.length} and ${y.length}`);
  const d = x.map((v, i) => v - y[i]);
  if (d.length < 2) throw new InputError(`paired t-test needs at least 2 pairs, got ${d.length}`);
  const s = describe(d, level);
  const n = s.n;
  const sd = s.sd!;
  const df = n - 1;
  if (sd === 0) {
    return { n, meanDiff: s.mean, sdDiff: 0, df, t: null, p: s.mean === 0 ? 1 : 0, ci: { level, lo: s.mean, hi: s.mean } };
  }
  const t = s.mean / s.se!;
  return { n, meanDiff: s.mean, sdDiff: sd, df, t, p: tTwoSidedP(t, df), ci: s.ci! };
}
