/**
 * Percentile bootstrap confidence interval of a metric on one test set: resample the cases with replacement B times
 * (seeded, so the interval is reproducible), recompute the metric, and take the (1−level)/2 and (1+level)/2
 * quantiles of the B values (linear interpolation between order statistics, R's type 7).
 */
import { createRng } from '../random.ts';
import { InputError } from '../errors.ts';
import { macroAuc } from './auc.ts';
import { expectedCalibrationError } from './calibration.ts';
import { accuracy, balancedAccuracy, macroF1 } from './classification.ts';
import { checkLevel, type Interval } from './describe.ts';
import { toClassification, type LabelsInput, type ProbabilitiesInput } from './input.ts';
import { negativeLogLikelihood } from './nll.ts';

/** A metric of one resampled test set; null when undefined on that sample (e.g. AUC with a class missing). */
export type MetricFn = (labels: Int32Array, probs: Float64Array, numClasses: number) => number | null;

export const METRICS: Readonly<Record<'accuracy' | 'balancedAccuracy' | 'macroF1' | 'macroAuc' | 'ece' | 'nll', MetricFn>> = {
  accuracy,
  balancedAccuracy,
  macroF1,
  macroAuc,
  ece: (l, p, k) => expectedCalibrationError(l, p, k),
  nll: negativeLogLikelihood,
};
export type MetricName = keyof typeof METRICS;

export interface BootstrapOptions {
  /** Resamples B (default 1000). */
  resamples?: number;
  level?: number;
  /** Seed for createRng (default 0). */
  seed?: number | string;
  /** Resample within each true class, keeping class counts (default false: plain resampling of cases). */
  stratified?: boolean;
}

export interface BootstrapResult extends Interval {
  /** The metric on the original sample. */
  estimate: number | null;
  resamples: number;
  /** Resamples where the metric was defined; lo/hi come from these only. */
  valid: number;
  /** Standard deviation of the valid bootstrap values (bootstrap standard error). */
  se: number;
  seed: number | string;
  stratified: boolean;
}

/** Type-7 quantile of sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Generic percentile bootstrap: `statistic` gets the resampled indices (length n) and returns a number or null.
 * `groups` (optional): resample within each group, keeping group sizes.
 */
export function bootstrapStatistic(
  n: number,
  statistic: (indices: Int32Array) => number | null,
  options: BootstrapOptions & { groups?: ArrayLike<number> } = {},
): Omit<BootstrapResult, 'estimate' | 'stratified'> {
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  const seed = options.seed ?? 0;
  checkLevel(level);
  if (!Number.isInteger(resamples) || resamples < 1) throw new InputError(`bootstrap resamples must be an integer ≥ 1, got ${resamples}`);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`bootstrap needs at least one case, got ${n}`);
  const rng = createRng(seed);
  const members: number[][] = [];
  if (options.groups) {
    const byGroup = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const g = options.groups[i];
      const list = byGroup.get(g);
      if (list) list.push(i);
      else byGroup.set(g, [i]);
    }
    members.push(...byGroup.values());
  } else {
    members.push(Array.from({ length: n }, (_, i) => i));
  }
  const values: number[] = [];
  const idx = new Int32Array(n);
  for (let b = 0; b < resamples; b++) {
    let j = 0;
    for (const m of members) for (let t = 0; t < m.length; t++) idx[j++] = m[rng.int(m.length)];
    const v = statistic(idx);
    if (v !== null && Number.isFinite(v)) values.push(v);
  }
  if (values.length === 0) throw new InputError('bootstrap: the metric was undefined on every resample (e.g. AUC with one class); try stratified resampling');
  values.sort((x, y) => x - y);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const se = values.length > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
  return {
    level,
    lo: quantileSorted(values, (1 - level) / 2),
    hi: quantileSorted(values, (1 + level) / 2),
    resamples,
    valid: values.length,
    se,
    seed,
  };
}

/** A metric given by name or as a function. */
export function metricFn(metric: MetricName | MetricFn): MetricFn {
  const fn = typeof metric === 'function' ? metric : METRICS[metric];
  if (!fn) throw new InputError(`unknown metric "${String(metric)}"; one of ${Object.keys(METRICS).join(', ')}`);
  return fn;
}

/** Percentile bootstrap CI of a classification metric (by name or function) on one test set. */
export function bootstrapCI(
  labels: LabelsInput,
  probabilities: ProbabilitiesInput,
  numClasses: number,
  metric: MetricName | MetricFn,
  options: BootstrapOptions = {},
): BootstrapResult {
  const d = toClassification(labels, probabilities, numClasses);
  const fn = metricFn(metric);
  const k = d.k;
  const lab = new Int32Array(d.n);
  const probs = new Float64Array(d.n * k);
  const r = bootstrapStatistic(
    d.n,
    (idx) => {
      for (let i = 0; i < idx.length; i++) {
        const src = idx[i];
        lab[i] = d.labels[src];
        probs.set(d.probs.subarray(src * k, src * k + k), i * k);
      }
      return fn(lab, probs, k);
    },
    { ...options, groups: options.stratified ? d.labels : undefined },
  );
  return { ...r, estimate: fn(d.labels, d.probs, k), stratified: options.stratified ?? false };
}
