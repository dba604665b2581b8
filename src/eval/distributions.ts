/** Distribution functions used by the tests: Student t, chi-square, F, standard normal, binomial. */
import { InputError } from '../errors.ts';
import { incompleteBeta, incompleteGamma, lnGamma } from './special.ts';

function checkDf(df: number, what = 'degrees of freedom'): void {
  if (!(df > 0) || !Number.isFinite(df)) throw new InputError(`${what} must be a finite number > 0, got ${df}`);
}

/** P(T > t) for t ≥ 0 under Student t with df degrees of freedom, without cancellation. */
function tUpperTail(t: number, df: number): number {
  return 0.5 * incompleteBeta(df / 2, 0.5, df / (df + t * t)).lower;
}

/** Student t cumulative distribution function P(T ≤ t). */
export function tCdf(t: number, df: number): number {
  checkDf(df);
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  return t >= 0 ? 1 - tUpperTail(t, df) : tUpperTail(-t, df);
}

/** Two-sided p-value P(|T| ≥ |t|). */
export function tTwoSidedP(t: number, df: number): number {
  checkDf(df);
  if (!Number.isFinite(t)) return Number.isNaN(t) ? NaN : 0;
  return Math.min(1, 2 * tUpperTail(Math.abs(t), df));
}

/** Student t quantile: the t with P(T ≤ t) = p, by bisection on the tail to ~1e-15 relative. */
export function tQuantile(p: number, df: number): number {
  checkDf(df);
  if (!(p > 0 && p < 1)) throw new InputError(`t quantile needs a probability strictly between 0 and 1, got ${p}`);
  if (p === 0.5) return 0;
  const q = Math.min(p, 1 - p);
  let lo = 0;
  let hi = 1;
  while (tUpperTail(hi, df) > q) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 2000 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (tUpperTail(mid, df) > q) lo = mid;
    else hi = mid;
  }
  const t = (lo + hi) / 2;
  return p < 0.5 ? -t : t;
}

/** Survival function P(X ≥ x) of chi-square with k degrees of freedom. */
export function chiSquareSf(x: number, k: number): number {
  checkDf(k);
  if (x <= 0) return 1;
  return incompleteGamma(k / 2, x / 2).upper;
}

/** Survival function P(X ≥ f) of the F distribution with (d1, d2) degrees of freedom. */
export function fSf(f: number, d1: number, d2: number): number {
  checkDf(d1, 'numerator degrees of freedom');
  checkDf(d2, 'denominator degrees of freedom');
  if (f <= 0) return 1;
  return incompleteBeta(d2 / 2, d1 / 2, d2 / (d2 + d1 * f)).lower;
}

/** Standard normal P(Z ≤ z). */
export function normalCdf(z: number): number {
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  // Φ(z) = ½·erfc(−z/√2), erfc(x) = Q(½, x²) for x ≥ 0.
  const x = z / Math.SQRT2;
  const tail = 0.5 * incompleteGamma(0.5, x * x).upper; // P(Z ≥ |z|)
  return z >= 0 ? 1 - tail : tail;
}

/** Binomial probability P(X = k), X ~ Bin(n, p). */
export function binomialPmf(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return 0;
  if (p === 0) return k === 0 ? 1 : 0;
  if (p === 1) return k === n ? 1 : 0;
  return Math.exp(lnGamma(n + 1) - lnGamma(k + 1) - lnGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p));
}
