/** Negative log-likelihood (cross-entropy) of the true class, averaged over cases. */
import { toClassification, type Classification, type LabelsInput, type ProbabilitiesInput } from './input.ts';

/** Probabilities are clipped to [NLL_EPSILON, 1] so that one p = 0 gives a large finite loss, not Infinity. */
export const NLL_EPSILON = 1e-15;

export function nllFromValidated(d: Classification): number {
  let s = 0;
  for (let i = 0; i < d.n; i++) {
    const p = Math.min(1, Math.max(NLL_EPSILON, d.probs[i * d.k + d.labels[i]]));
    s -= Math.log(p);
  }
  return s / d.n;
}

/** Mean of −ln p(true class), natural log, p clipped to [1e-15, 1]. */
export function negativeLogLikelihood(labels: LabelsInput, probabilities: ProbabilitiesInput, numClasses: number): number {
  return nllFromValidated(toClassification(labels, probabilities, numClasses));
}
