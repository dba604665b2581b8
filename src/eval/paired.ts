/**
 * Paired comparisons of two classifiers on the same test images (McNemar, DeLong, paired bootstrap), Holm's
 * adjustment for several such comparisons, and the majority-class baseline every result should stand next to.
 * All tests are two-sided.
 */
import { InputError } from '../errors.ts';
import { macroAuc } from './auc.ts';
import { binomialTest } from './binomial.ts';
import { bootstrapStatistic, metricFn, type BootstrapOptions, type MetricFn, type MetricName } from './bootstrap.ts';
import { accuracy, balancedAccuracy, macroF1 } from './classification.ts';
import { normalCdf } from './distributions.ts';
import { toClassification, type LabelsInput, type ProbabilitiesInput } from './input.ts';
import { midRanks } from './ranking.ts';
import { pairedDifferences } from './values.ts';

// ---------------------------------------------------------------------------------------------------------- McNemar

export interface McNemarTest {
  /** Images that A gets wrong and B gets right. */
  n01: number;
  /** Images that A gets right and B gets wrong. */
  n10: number;
  /** n01 + n10: only these pairs carry information about which model is better. */
  discordant: number;
  /** Exact two-sided p of n10 under Bin(discordant, ½) (no mid-p); 1 when there is no discordant pair. */
  pValue: number;
  /** min(n01, n10), the statistic statsmodels' exact McNemar reports. */
  statistic: number;
}

function correctness(values: ArrayLike<boolean | number>, what: string): boolean[] {
  return Array.from({ length: values.length }, (_, i) => {
    const v = values[i];
    if (v === true || v === 1) return true;
    if (v === false || v === 0) return false;
    throw new InputError(`McNemar test: ${what}[${i}] is ${String(v)}; pass true/false or 1/0 (image classified correctly)`);
  });
}

/**
 * Exact McNemar test: under H0 (both models equally accurate on these images) each discordant image is equally
 * likely to favour either model, so n10 ~ Bin(n01 + n10, ½). p is the exact two-sided binomial p-value (as
 * scipy.stats.binomtest(n10, n01 + n10, 0.5) and R's binom.test), not the mid-p or the chi-square approximation.
 */
export function mcnemarExact(correctA: ArrayLike<boolean | number>, correctB: ArrayLike<boolean | number>): McNemarTest {
  const a = correctness(correctA, 'correctA');
  const b = correctness(correctB, 'correctB');
  if (a.length !== b.length) throw new InputError(`McNemar test needs one result per image from each model, got ${a.length} and ${b.length}`);
  if (a.length === 0) throw new InputError('McNemar test needs at least one image');
  let n01 = 0;
  let n10 = 0;
  for (let i = 0; i < a.length; i++) {
    if (!a[i] && b[i]) n01++;
    else if (a[i] && !b[i]) n10++;
  }
  const discordant = n01 + n10;
  return { n01, n10, discordant, pValue: binomialTest(n10, discordant, 0.5).p, statistic: Math.min(n01, n10) };
}

// ----------------------------------------------------------------------------------------------------------- DeLong

export interface DeLongTest {
  positives: number;
  negatives: number;
  /** ROC AUC of each model (Mann–Whitney, ties ½, as binaryAuc); null when a class is missing. */
  aucA: number | null;
  aucB: number | null;
  /** aucA − aucB; null when a class is missing. */
  difference: number | null;
  /** DeLong standard error of the difference; null with fewer than 2 positives or 2 negatives. */
  se: number | null;
  /** difference / se; null when se is null or 0. */
  z: number | null;
  /** 2·P(Z ≥ |z|). With se = 0: 1 when the AUCs are equal (the models place every case alike), null when they differ. */
  pValue: number | null;
  /** Why se, z or pValue is null; null when the test ran. */
  reason: string | null;
}

/** Sample variance (divisor n − 1) of a − b. */
function varianceOfDifference(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += a[i] - b[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (a[i] - b[i] - mean) ** 2;
  return ss / (n - 1);
}

/**
 * DeLong's structural components of one model, by mid-ranks (Sun & Xu 2014): V10[i] = share of negatives scored below
 * positive i, V01[j] = share of positives scored above negative j (ties count ½ in both), and the AUC.
 */
function placements(isPositive: Uint8Array, scores: ArrayLike<number>, m: number, n: number) {
  const pos = new Float64Array(m);
  const neg = new Float64Array(n);
  for (let i = 0, p = 0, q = 0; i < scores.length; i++) {
    if (isPositive[i]) pos[p++] = scores[i];
    else neg[q++] = scores[i];
  }
  const all = midRanks(scores).ranks;
  const tx = midRanks(pos).ranks;
  const ty = midRanks(neg).ranks;
  const v10 = new Float64Array(m);
  const v01 = new Float64Array(n);
  let rankSum = 0;
  for (let i = 0, p = 0, q = 0; i < scores.length; i++) {
    if (isPositive[i]) {
      rankSum += all[i];
      v10[p] = (all[i] - tx[p]) / n; // rank among all − rank among positives = negatives below (ties ½)
      p++;
    } else {
      v01[q] = 1 - (all[i] - ty[q]) / m; // positives below (ties ½), turned into positives above
      q++;
    }
  }
  return { auc: (rankSum - (m * (m + 1)) / 2) / (m * n), v10, v01 };
}

/**
 * DeLong, DeLong & Clarke-Pearson (1988) test of H0: AUC_A = AUC_B for two models scored on the same cases.
 * With m positives and n negatives, S = S10/m + S01/n where S10, S01 are the 2×2 sample covariances (divisor m − 1,
 * n − 1) of the models' V10 and V01 components; Var(AUC_A − AUC_B) = S_AA + S_BB − 2·S_AB, computed as the sample
 * variance of the per-case differences of the components (the same quantity, and never negative by rounding).
 * z = (AUC_A − AUC_B)/se, p from the standard normal. Ties are mid-ranked, so each AUC equals sklearn's roc_auc_score.
 * `labels`: 1 = positive, 0 = negative.
 */
export function delongTest(labels: Int32Array, scoresA: Float64Array | Float32Array, scoresB: Float64Array | Float32Array): DeLongTest {
  const N = labels.length;
  if (scoresA.length !== N || scoresB.length !== N) {
    throw new InputError(`DeLong test needs one score per label from each model: ${N} labels, ${scoresA.length} and ${scoresB.length} scores`);
  }
  const isPositive = new Uint8Array(N);
  for (let i = 0; i < N; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new InputError(`DeLong test: label ${labels[i]} at index ${i}; labels must be 0 (negative) or 1 (positive)`);
    if (!Number.isFinite(scoresA[i]) || !Number.isFinite(scoresB[i])) {
      throw new InputError(`DeLong test: score at index ${i} is ${scoresA[i]} (A) / ${scoresB[i]} (B); scores must be finite numbers`);
    }
    isPositive[i] = labels[i];
  }
  const m = isPositive.reduce((s, v) => s + v, 0);
  const n = N - m;
  const none = { se: null, z: null, pValue: null };
  if (m === 0 || n === 0) {
    return { positives: m, negatives: n, aucA: null, aucB: null, difference: null, ...none, reason: `AUC needs both classes; got ${m} positives and ${n} negatives` };
  }
  const a = placements(isPositive, scoresA, m, n);
  const b = placements(isPositive, scoresB, m, n);
  const result = { positives: m, negatives: n, aucA: a.auc, aucB: b.auc, difference: a.auc - b.auc };
  if (m < 2 || n < 2) {
    return { ...result, ...none, reason: `the DeLong variance needs at least 2 positives and 2 negatives; got ${m} and ${n}` };
  }
  const se = Math.sqrt(varianceOfDifference(a.v10, b.v10) / m + varianceOfDifference(a.v01, b.v01) / n);
  if (se === 0) {
    return result.difference === 0
      ? { ...result, se, z: null, pValue: 1, reason: null }
      : { ...result, se, z: null, pValue: null, reason: 'the DeLong variance is 0 while the AUCs differ: the normal approximation does not apply' };
  }
  const z = result.difference / se;
  return { ...result, se, z, pValue: Math.min(1, 2 * normalCdf(-Math.abs(z))), reason: null };
}

// ------------------------------------------------------------------------------------------------- paired bootstrap

export interface PairedBootstrapOptions extends BootstrapOptions {
  /** Resamples B (default 2000). */
  resamples?: number;
}

export interface PairedBootstrapResult {
  /** metric(A) − metric(B) on the full test set; null when the metric is undefined there for either model. */
  estimate: number | null;
  level: number;
  /** Percentile interval (type-7 quantiles) of the resampled differences. */
  lo: number;
  hi: number;
  /** min(1, 2·min(share of differences ≤ 0, share of differences ≥ 0)) over the valid resamples. */
  pValue: number;
  resamples: number;
  /** Resamples where the metric was defined for both models; lo, hi and pValue come from these only. */
  valid: number;
  /** Standard deviation of the valid resampled differences (bootstrap standard error). */
  se: number;
  seed: number | string;
}

/**
 * Paired percentile bootstrap of metric(A) − metric(B): each resample draws N test images with replacement (seeded
 * createRng, the same stream and draws as bootstrapCI) and scores both models on the SAME images, so the variation
 * the two share cancels in the difference. Two-sided p = min(1, 2·min(#{d ≤ 0}, #{d ≥ 0}) / valid), the share of
 * resampled differences on the far side of 0; 0 means below the resolution 1/valid. Before counting, each difference
 * is rounded to 12 significant digits (as the sign and rank tests do), so metrics equal in decimal count as a tie.
 * Probabilities are row-major N×K (or one row per image), validated as everywhere in src/eval.
 */
export function pairedBootstrap(
  labels: LabelsInput,
  probsA: ProbabilitiesInput,
  probsB: ProbabilitiesInput,
  numClasses: number,
  metric: MetricFn | MetricName,
  options: PairedBootstrapOptions = {},
): PairedBootstrapResult {
  const da = toClassification(labels, probsA, numClasses);
  const db = toClassification(labels, probsB, numClasses);
  const fn = metricFn(metric);
  const { n, k } = da;
  const lab = new Int32Array(n);
  const pa = new Float64Array(n * k);
  const pb = new Float64Array(n * k);
  const differences: number[] = [];
  const r = bootstrapStatistic(
    n,
    (idx) => {
      for (let i = 0; i < n; i++) {
        const src = idx[i];
        lab[i] = da.labels[src];
        pa.set(da.probs.subarray(src * k, src * k + k), i * k);
        pb.set(db.probs.subarray(src * k, src * k + k), i * k);
      }
      const ma = fn(lab, pa, k);
      const mb = fn(lab, pb, k);
      if (ma === null || mb === null || !Number.isFinite(ma) || !Number.isFinite(mb)) return null;
      const d = pairedDifferences([ma], [mb], 'paired bootstrap')[0];
      differences.push(d);
      return d;
    },
    { ...options, resamples: options.resamples ?? 2000, groups: options.stratified ? da.labels : undefined },
  );
  let le = 0;
  let ge = 0;
  for (const d of differences) {
    if (d <= 0) le++;
    if (d >= 0) ge++;
  }
  const ma = fn(da.labels, da.probs, k);
  const mb = fn(db.labels, db.probs, k);
  return {
    estimate: ma === null || mb === null ? null : ma - mb,
    level: r.level,
    lo: r.lo,
    hi: r.hi,
    pValue: Math.min(1, (2 * Math.min(le, ge)) / differences.length),
    resamples: r.resamples,
    valid: r.valid,
    se: r.se,
    seed: r.seed,
  };
}

// ------------------------------------------------------------------------------------------------------------- Holm

/**
 * Holm–Bonferroni step-down adjustment (as statsmodels' multipletests(p, method='holm')): with the m non-null p sorted
 * ascending p_(1) ≤ … ≤ p_(m), adjusted p_(j) = min(1, max_{i ≤ j} (m − i + 1)·p_(i)), returned in the input order.
 * Rejecting where adjusted p ≤ α controls the family-wise error rate at α. Nulls (tests that could not run) stay null
 * and do not count in m.
 */
export function holm(pValues: readonly (number | null)[]): (number | null)[] {
  const order: number[] = [];
  pValues.forEach((p, i) => {
    if (p === null) return;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new InputError(`Holm adjustment: p-value at index ${i} is ${p}; p-values must be in [0, 1] or null`);
    order.push(i);
  });
  order.sort((i, j) => pValues[i]! - pValues[j]! || i - j);
  const m = order.length;
  const adjusted: (number | null)[] = pValues.map(() => null);
  let running = 0;
  order.forEach((i, rank) => {
    running = Math.max(running, (m - rank) * pValues[i]!);
    adjusted[i] = Math.min(1, running);
  });
  return adjusted;
}

// -------------------------------------------------------------------------------------------------- majority class

export interface MajorityBaseline {
  /** The most frequent class in the labels (lowest index on a tie). */
  majorityClass: number;
  /** Share of the majority class. */
  accuracy: number;
  /** 1/(classes present in the labels): recall 1 on the majority class, 0 on the others; 1/K when all are present. */
  balancedAccuracy: number;
  /** Chance level 0.5 (every score is the same); null when the labels hold one class only. */
  macroAuc: number | null;
  macroF1: number;
}

/**
 * The scores of a model that always answers the most frequent class: the floor every result is read against. Computed
 * by the same metric functions as the models', on one constant one-hot probability row per image.
 */
export function majorityBaseline(labels: Int32Array, numClasses: number): MajorityBaseline {
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new InputError(`numClasses must be an integer ≥ 2, got ${numClasses}`);
  if (labels.length === 0) throw new InputError('majority baseline needs at least one label');
  const counts = new Array<number>(numClasses).fill(0);
  labels.forEach((y, i) => {
    if (!(y >= 0 && y < numClasses)) throw new InputError(`label ${y} at index ${i} is out of range: labels must be integers in [0, ${numClasses - 1}]`);
    counts[y]++;
  });
  const majorityClass = counts.indexOf(Math.max(...counts));
  const constant = new Float64Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) constant[i * numClasses + majorityClass] = 1;
  return {
    majorityClass,
    accuracy: accuracy(labels, constant, numClasses),
    balancedAccuracy: balancedAccuracy(labels, constant, numClasses),
    macroAuc: macroAuc(labels, constant, numClasses),
    macroF1: macroF1(labels, constant, numClasses),
  };
}
