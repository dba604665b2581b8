/** Input checks for plain numeric samples, and the rounding that keeps floating-point noise from creating fake differences. */
import { InputError } from '../errors.ts';

export function checkFinite(values: ArrayLike<number>, what: string, minLength = 1): number[] {
  if (values.length < minLength) {
    throw new InputError(`${what} needs at least ${minLength} value${minLength === 1 ? '' : 's'}, got ${values.length}`);
  }
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`${what}: value at index ${i} is ${v}, not a finite number`);
    out.push(v);
  }
  return out;
}

/** Significant digits kept in differences (relative to the largest |value|) for rank and sign tests. */
export const DIFFERENCE_DIGITS = 12;

/**
 * Paired differences a_i − b_i, rounded to multiples of 10^(e − 12), with 10^e the order of magnitude of
 * max |a_i|, |b_i|, so that differences equal in decimal but not in binary (0.9 − 0.85 vs 0.85 − 0.8) tie, and
 * 0.3 − (0.1 + 0.2) is 0, as they should for rank and sign tests. The t-test uses the unrounded differences.
 */
export function pairedDifferences(a: ArrayLike<number>, b: ArrayLike<number>, what: string): number[] {
  const x = checkFinite(a, what);
  const y = checkFinite(b, what);
  if (x.length !== y.length) throw new InputError(`${what} needs paired samples of equal length, got ${x.length} and ${y.length}`);
  let scale = 0;
  for (let i = 0; i < x.length; i++) scale = Math.max(scale, Math.abs(x[i]), Math.abs(y[i]));
  const step = scale > 0 ? 10 ** (Math.floor(Math.log10(scale)) - DIFFERENCE_DIGITS) : 0;
  return x.map((v, i) => roundTo(v - y[i], step));
}

export function roundTo(v: number, step: number): number {
  if (step === 0) return v;
  const r = Math.round(v / step);
  if (r === 0) return 0;
  // Divide by the reciprocal power of ten rather than multiply by the step: 158e11 / 1e13 is exactly 1.58.
  return step < 1 ? r / Math.round(1 / step) : r * step;
}
