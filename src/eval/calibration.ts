/**
 * Expected calibration error (Guo et al. 2017): confidence = max probability, M equal-width bins (lo, hi] over
 * [0, 1] (the first bin also holds 0), ECE = Σ_b (n_b / N)·|acc_b − conf_b|. The bins are returned for reliability plots.
 */
import { InputError } from '../errors.ts';
import { argmaxRows, toClassification, type Classification, type LabelsInput, type ProbabilitiesInput } from './input.ts';

export const DEFAULT_CALIBRATION_BINS = 15;

export interface CalibrationBin {
  lo: number;
  hi: number;
  count: number;
  /** Share of correct argmax predictions in the bin; null when the bin is empty. */
  accuracy: number | null;
  /** Mean confidence (max probability) in the bin; null when the bin is empty. */
  confidence: number | null;
}

export interface Calibration {
  /** Expected calibration error: count-weighted mean of |accuracy − confidence| over bins. */
  ece: number;
  /** Maximum calibration error: the largest |accuracy − confidence| over non-empty bins. */
  mce: number;
  bins: CalibrationBin[];
}

/** Index of the bin (lo, hi] holding confidence p, with lo = b/M and hi = (b+1)/M as computed in float64. */
function binOf(p: number, m: number): number {
  let b = Math.min(m - 1, Math.max(0, Math.ceil(p * m) - 1));
  while (b > 0 && p <= b / m) b--;
  while (b < m - 1 && p > (b + 1) / m) b++;
  return b;
}

export function calibrationFromValidated(d: Classification, numBins = DEFAULT_CALIBRATION_BINS): Calibration {
  if (!Number.isInteger(numBins) || numBins < 1) throw new InputError(`calibration bins must be an integer ≥ 1, got ${numBins}`);
  const pred = argmaxRows(d.probs, d.n, d.k);
  const count = new Array<number>(numBins).fill(0);
  const correct = new Array<number>(numBins).fill(0);
  const confSum = new Array<number>(numBins).fill(0);
  for (let i = 0; i < d.n; i++) {
    const conf = d.probs[i * d.k + pred[i]];
    const b = binOf(conf, numBins);
    count[b]++;
    confSum[b] += conf;
    if (pred[i] === d.labels[i]) correct[b]++;
  }
  let ece = 0;
  let mce = 0;
  const bins: CalibrationBin[] = [];
  for (let b = 0; b < numBins; b++) {
    const n = count[b];
    const acc = n > 0 ? correct[b] / n : null;
    const conf = n > 0 ? confSum[b] / n : null;
    if (acc !== null && conf !== null) {
      const gap = Math.abs(acc - conf);
      ece += (n / d.n) * gap;
      mce = Math.max(mce, gap);
    }
    bins.push({ lo: b / numBins, hi: (b + 1) / numBins, count: n, accuracy: acc, confidence: conf });
  }
  return { ece, mce, bins };
}

/** ECE, MCE and the reliability bins (15 equal-width bins by default). */
export function calibration(
  labels: LabelsInput,
  probabilities: ProbabilitiesInput,
  numClasses: number,
  numBins = DEFAULT_CALIBRATION_BINS,
): Calibration {
  return calibrationFromValidated(toClassification(labels, probabilities, numClasses), numBins);
}

/** Expected calibration error with `numBins` equal-width bins of the max probability (15 by default). */
export function expectedCalibrationError(
  labels: LabelsInput,
  probabilities: ProbabilitiesInput,
  numClasses: number,
  numBins = DEFAULT_CALIBRATION_BINS,
): number {
  return calibration(labels, probabilities, numClasses, numBins).ece;
}
