/**
 * Threshold metrics from the confusion matrix: accuracy, balanced accuracy, per-class precision/recall/F1, macro-F1.
 * Undefined ratios (0/0) are null, never 0 or NaN, and null entries are left out of macro averages (docs/metrics.md).
 */
import { InputError } from '../errors.ts';
import { confusionFromValidated, type ConfusionMatrix } from './confusion.ts';
import { toClassification, type LabelsInput, type ProbabilitiesInput } from './input.ts';

export interface ClassCounts {
  /** Cases whose true class is c (row sum). */
  support: number;
  /** Cases predicted as c (column sum). */
  predicted: number;
  tp: number;
  fp: number;
  fn: number;
  /** tp / (tp + fp); null when c is never predicted. */
  precision: number | null;
  /** tp / (tp + fn); null when c is absent from the labels. */
  recall: number | null;
  /** 2tp / (2tp + fp + fn); null when c is absent from both labels and predictions. */
  f1: number | null;
}

export interface ThresholdMetrics {
  accuracy: number;
  /** Mean recall over the classes present in the labels. */
  balancedAccuracy: number;
  /** Mean F1 over the classes present in the labels or the predictions. */
  macroF1: number;
  perClass: ClassCounts[];
}

function checkSquare(cm: ConfusionMatrix): number {
  const k = cm.length;
  let total = 0;
  for (const row of cm) {
    if (row.length !== k) throw new InputError(`confusion matrix must be square (K×K); a row has ${row.length} entries, K = ${k}`);
    for (const v of row) {
      if (!Number.isInteger(v) || v < 0) throw new InputError(`confusion matrix entries must be counts (integers ≥ 0), got ${v}`);
      total += v;
    }
  }
  if (total === 0) throw new InputError('confusion matrix is empty: metrics need at least one case');
  return total;
}

function meanOfPresent(values: (number | null)[]): number {
  let s = 0;
  let m = 0;
  for (const v of values) {
    if (v !== null) {
      s += v;
      m++;
    }
  }
  return s / m;
}

/** All threshold metrics from a confusion matrix (rows = true, columns = predicted). */
export function metricsFromConfusion(cm: ConfusionMatrix): ThresholdMetrics {
  const total = checkSquare(cm);
  const k = cm.length;
  let correct = 0;
  const perClass: ClassCounts[] = [];
  for (let c = 0; c < k; c++) {
    const tp = cm[c][c];
    correct += tp;
    let support = 0;
    let predicted = 0;
    for (let j = 0; j < k; j++) {
      support += cm[c][j];
      predicted += cm[j][c];
    }
    const fn = support - tp;
    const fp = predicted - tp;
    perClass.push({
      support,
      predicted,
      tp,
      fp,
      fn,
      precision: predicted > 0 ? tp / predicted : null,
      recall: support > 0 ? tp / support : null,
      f1: tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : null,
    });
  }
  return {
    accuracy: correct / total,
    balancedAccuracy: meanOfPresent(perClass.map((p) => p.recall)),
    macroF1: meanOfPresent(perClass.map((p) => p.f1)),
    perClass,
  };
}

function threshold(labels: LabelsInput, probabilities: ProbabilitiesInput, numClasses: number): ThresholdMetrics {
  return metricsFromConfusion(confusionFromValidated(toClassification(labels, probabilities, numClasses)));
}

/** Share of cases whose argmax equals the label. */
export function accuracy(labels: LabelsInput, probabilities: ProbabilitiesInput, numClasses: number): number {
  return threshold(labels, probabilities, numClasses).accuracy;
}

/** Mean per-class recall over the classes present in the labels. */
export function balancedAccuracy(labels: LabelsInput, probabilities: ProbabilitiesInput, numClasses: number): number {
  return threshold(labels, probabilities, numClasses).balancedAccuracy;
}

/** Unweighted mean of per-class F1 over the classes present in the labels or predictions. */
export function macroF1(labels: LabelsInput, probabilities: ProbabilitiesInput, numClasses: number): number {
  return threshold(labels, probabilities, numClasses).macroF1;
}

/** Recall per class (null for a class absent from the labels). */
export function perClassRecall(labels: LabelsInput, probabilities: ProbabilitiesInput, numClasses: number): (number | null)[] {
  return threshold(labels, probabilities, numClasses).perClass.map((p) => p.recall);
}

/** Counts, precision, recall and F1 per class. */
export function perClassMetrics(labels: LabelsInput, probabilities: ProbabilitiesInput, numClasses: number): ClassCounts[] {
  return threshold(labels, probabilities, numClasses).perClass;
}
