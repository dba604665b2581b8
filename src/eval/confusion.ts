/** Confusion matrix: rows = true class, columns = predicted class (argmax, lowest index on ties). */
import { argmaxRows, toClassification, type Classification, type LabelsInput, type ProbabilitiesInput } from './input.ts';

/** cm[t][p] = number of cases of true class t predicted as p. */
export type ConfusionMatrix = number[][];

export function confusionFromValidated(d: Classification): ConfusionMatrix {
  const cm: number[][] = Array.from({ length: d.k }, () => new Array<number>(d.k).fill(0));
  const pred = argmaxRows(d.probs, d.n, d.k);
  for (let i = 0; i < d.n; i++) cm[d.labels[i]][pred[i]]++;
  return cm;
}

export function confusionMatrix(labels: LabelsInput, probabilities: ProbabilitiesInput, numClasses: number): ConfusionMatrix {
  return confusionFromValidated(toClassification(labels, probabilities, numClasses));
}
