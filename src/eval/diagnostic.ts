/**
 * A two-class test read the way clinicians read it: sensitivity, specificity, PPV and NPV of one class called
 * positive, at the argmax decision (the confusion matrix every report already holds), each with a Wilson score
 * interval — it stays inside [0, 1] and keeps close to its nominal coverage at the small counts medical test sets have.
 */
import { InputError } from '../errors.ts';
import type { ConfusionMatrix } from './confusion.ts';
import { checkLevel, type Interval } from './describe.ts';
import { normalCdf } from './distributions.ts';

/** The z with Φ(z) = p, by bisection on normalCdf (monotone, so this cannot miss). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new InputError(`normal quantile: p must be strictly between 0 and 1, got ${p}`);
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 200 && hi - lo > 1e-15; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Wilson score interval of a proportion successes/trials; null with no trials. */
export function wilsonInterval(successes: number, trials: number, level = 0.95): Interval | null {
  checkLevel(level);
  if (!Number.isInteger(trials) || trials < 0 || !Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new InputError(`Wilson interval: need integers 0 ≤ successes ≤ trials, got ${successes} of ${trials}`);
  }
  if (trials === 0) return null;
  const z = normalQuantile((1 + level) / 2);
  const p = successes / trials;
  const denom = 1 + (z * z) / trials;
  const centre = (p + (z * z) / (2 * trials)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + (z * z) / (4 * trials * trials))) / denom;
  // At 0 or n successes the bound is exactly 0 or 1; rounding would leave a hair off.
  return { level, lo: successes === 0 ? 0 : Math.max(0, centre - half), hi: successes === trials ? 1 : Math.min(1, centre + half) };
}

export interface Proportion {
  value: number | null;
  successes: number;
  trials: number;
  interval: Interval | null;
}

export interface BinaryDiagnostics {
  positiveClass: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  /** TP/(TP+FN): of the positive images, the share called positive. */
  sensitivity: Proportion;
  /** TN/(TN+FP). */
  specificity: Proportion;
  /** TP/(TP+FP): of the images called positive, the share that are. */
  ppv: Proportion;
  /** TN/(TN+FN). */
  npv: Proportion;
}

const proportion = (successes: number, trials: number, level: number): Proportion =>
  ({ value: trials ? successes / trials : null, successes, trials, interval: wilsonInterval(successes, trials, level) });

/** From a 2×2 confusion matrix (rows = true class, columns = predicted) and the index of the positive class. */
export function binaryDiagnostics(cm: ConfusionMatrix, positiveClass: number, level = 0.95): BinaryDiagnostics {
  if (cm.length !== 2 || cm.some((r) => r.length !== 2)) throw new InputError(`sensitivity and specificity need a 2×2 confusion matrix, got ${cm.length} classes`);
  if (positiveClass !== 0 && positiveClass !== 1) throw new InputError(`positive class must be 0 or 1, got ${positiveClass}`);
  const n = 1 - positiveClass;
  const tp = cm[positiveClass][positiveClass];
  const fn = cm[positiveClass][n];
  const fp = cm[n][positiveClass];
  const tn = cm[n][n];
  return {
    positiveClass, tp, fp, fn, tn,
    sensitivity: proportion(tp, tp + fn, level),
    specificity: proportion(tn, tn + fp, level),
    ppv: proportion(tp, tp + fp, level),
    npv: proportion(tn, tn + fn, level),
  };
}
