/**
 * ROC AUC as the Mann–Whitney probability P(score⁺ > score⁻) + ½·P(score⁺ = score⁻), computed from mid-ranks in
 * O(N log N). This equals the trapezoidal area under the empirical ROC curve exactly (ties make diagonal segments).
 */
import { InputError } from '../errors.ts';
import { toClassification, type Classification, type LabelsInput, type ProbabilitiesInput } from './input.ts';
import { midRanks } from './ranking.ts';

/**
 * AUC of `scores` for separating positives (isPositive[i] true) from negatives; null when either group is empty.
 */
export function binaryAuc(scores: ArrayLike<number>, isPositive: ArrayLike<boolean | number>): number | null {
  const n = scores.length;
  if (isPositive.length !== n) {
    throw new InputError(`AUC needs one positive/negative flag per score: ${n} scores, ${isPositive.length} flags`);
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(scores[i])) throw new InputError(`AUC score at index ${i} is ${scores[i]}, not a finite number`);
  }
  const { ranks } = midRanks(scores);
  let nPos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; i++) {
    if (isPositive[i]) {
      nPos++;
      rankSum += ranks[i];
    }
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  const u = rankSum - (nPos * (nPos + 1)) / 2;
  return u / (nPos * nNeg);
}

export function perClassAucFromValidated(d: Classification): (number | null)[] {
  const out: (number | null)[] = [];
  const scores = new Float64Array(d.n);
  const pos = new Uint8Array(d.n);
  for (let c = 0; c < d.k; c++) {
    for (let i = 0; i < d.n; i++) {
      scores[i] = d.probs[i * d.k + c];
      pos[i] = d.labels[i] === c ? 1 : 0;
    }
    out.push(binaryAuc(scores, pos));
  }
  return out;
}

/** Binary: the AUC of class 1's score. K > 2: the mean over classes of the one-vs-rest AUCs that are defined. */
export function macroAucFromPerClass(perClass: (number | null)[]): number | null {
  if (perClass.length === 2) return perClass[1];
  const defined = perClass.filter((a): a is number => a !== null);
  if (defined.length === 0) return null;
  return defined.reduce((s, a) => s + a, 0) / defined.length;
}

/**
 * One-vs-rest AUC of each class (class c's probability as the score, c against all others); null for a class that is
 * absent from the labels (no positives) or the only class present (no negatives).
 */
export function perClassAuc(labels: LabelsInput, probabilities: ProbabilitiesInput, numClasses: number): (number | null)[] {
  return perClassAucFromValidated(toClassification(labels, probabilities, numClasses));
}

/**
 * Macro AUC one-vs-rest; for two classes, the AUC of class 1's probability. Classes whose AUC is undefined are left
 * out of the mean; null when no class has a defined AUC (e.g. one class only in the labels).
 */
export function macroAuc(labels: LabelsInput, probabilities: ProbabilitiesInput, numClasses: number): number | null {
  return macroAucFromPerClass(perClassAuc(labels, probabilities, numClasses));
}
