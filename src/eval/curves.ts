/**
 * The empirical ROC and precision–recall curves of one score against one positive class: one point per distinct
 * score, moving the threshold from above the highest score down to the lowest, so tied scores make one step (a
 * diagonal segment in ROC space) and the trapezoidal area under the ROC points equals binaryAuc exactly.
 */
import { InputError } from '../errors.ts';

export interface CurvePoint {
  /** Called positive when score ≥ threshold (Infinity for the first point: nothing called positive). */
  threshold: number;
  tp: number;
  fp: number;
  /** True-positive rate = recall = sensitivity. */
  tpr: number;
  fpr: number;
  /** TP/(TP+FP); null at the first point where nothing is called positive. */
  precision: number | null;
}

export interface Curves {
  positives: number;
  negatives: number;
  points: CurvePoint[];
  /** Average precision Σ (Rₙ − Rₙ₋₁)·Pₙ over the points (step interpolation, as scikit-learn). */
  averagePrecision: number;
}

/** null when either group is empty (no curve can be drawn). */
export function rocPrCurves(scores: ArrayLike<number>, isPositive: ArrayLike<boolean | number>): Curves | null {
  const n = scores.length;
  if (isPositive.length !== n) throw new InputError(`ROC curve needs one positive/negative flag per score: ${n} scores, ${isPositive.length} flags`);
  const order = Array.from({ length: n }, (_, i) => i);
  for (const i of order) if (!Number.isFinite(scores[i])) throw new InputError(`ROC curve score at index ${i} is ${scores[i]}, not a finite number`);
  order.sort((a, b) => scores[b] - scores[a]);
  const positives = order.filter((i) => isPositive[i]).length;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  const points: CurvePoint[] = [{ threshold: Infinity, tp: 0, fp: 0, tpr: 0, fpr: 0, precision: null }];
  let tp = 0;
  let fp = 0;
  let averagePrecision = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    if (isPositive[i]) tp++; else fp++;
    if (k + 1 < n && scores[order[k + 1]] === scores[i]) continue;
    const tpr = tp / positives;
    const precision = tp / (tp + fp);
    averagePrecision += (tpr - points[points.length - 1].tpr) * precision;
    points.push({ threshold: scores[i], tp, fp, tpr, fpr: fp / negatives, precision });
  }
  return { positives, negatives, points, averagePrecision };
}
