/** Every classification metric of one test set in one JSON-serialisable object (no NaN/Infinity: undefined → null). */
import { macroAucFromPerClass, perClassAucFromValidated } from './auc.ts';
import { calibrationFromValidated, DEFAULT_CALIBRATION_BINS, type CalibrationBin } from './calibration.ts';
import { metricsFromConfusion } from './classification.ts';
import { confusionFromValidated } from './confusion.ts';
import { toClassification, type LabelsInput, type ProbabilitiesInput } from './input.ts';
import { nllFromValidated } from './nll.ts';

export interface PerClassResult {
  class: number;
  name?: string;
  support: number;
  predicted: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  /** One-vs-rest AUC; null when the class is absent from the labels or is the only class present. */
  auc: number | null;
}

export interface ClassificationReport {
  n: number;
  numClasses: number;
  accuracy: number;
  balancedAccuracy: number;
  macroF1: number;
  /** Binary: AUC of class 1's probability; otherwise mean one-vs-rest AUC over classes where it is defined. */
  macroAuc: number | null;
  /** Classes left out of macroAuc because their AUC is undefined (absent from the labels, or the only class). */
  aucExcludedClasses: number[];
  /** Expected calibration error over `calibrationBins.length` equal-width bins of the max probability. */
  ece: number;
  /** Maximum calibration error over non-empty bins. */
  mce: number;
  nll: number;
  /** Rows = true class, columns = predicted class. */
  confusionMatrix: number[][];
  perClass: PerClassResult[];
  calibrationBins: CalibrationBin[];
}

export interface EvaluateOptions {
  /** Equal-width confidence bins for ECE (default 15). */
  calibrationBins?: number;
  /** Optional class names, copied into perClass[c].name. */
  classNames?: readonly string[];
}

export function evaluateClassification(
  labels: LabelsInput,
  probabilities: ProbabilitiesInput,
  numClasses: number,
  options: EvaluateOptions = {},
): ClassificationReport {
  const d = toClassification(labels, probabilities, numClasses);
  const cm = confusionFromValidated(d);
  const thr = metricsFromConfusion(cm);
  const aucs = perClassAucFromValidated(d);
  const cal = calibrationFromValidated(d, options.calibrationBins ?? DEFAULT_CALIBRATION_BINS);
  const macroAuc = macroAucFromPerClass(aucs);
  const aucExcludedClasses = numClasses === 2 ? (aucs[1] === null ? [0, 1] : []) : aucs.flatMap((a, c) => (a === null ? [c] : []));
  return {
    n: d.n,
    numClasses,
    accuracy: thr.accuracy,
    balancedAccuracy: thr.balancedAccuracy,
    macroF1: thr.macroF1,
    macroAuc,
    aucExcludedClasses,
    ece: cal.ece,
    mce: cal.mce,
    nll: nllFromValidated(d),
    confusionMatrix: cm,
    perClass: thr.perClass.map((p, c) => ({
      class: c,
      ...(options.classNames?.[c] !== undefined ? { name: options.classNames[c] } : {}),
      support: p.support,
      predicted: p.predicted,
      precision: p.precision,
      recall: p.recall,
      f1: p.f1,
      auc: aucs[c],
    })),
    calibrationBins: cal.bins,
  };
}
