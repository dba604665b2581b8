/**
 * Validation and normalisation of classifier outputs: every metric in src/eval reads labels and probabilities
 * through `toClassification`, so a bad input fails once, with one message, whichever metric is asked first.
 */
import { InputError } from '../errors.ts';

/** True class per case, integers in [0, numClasses). */
export type LabelsInput = Int32Array | Uint8Array | Uint16Array | Uint32Array | ArrayLike<number>;

/**
 * Predicted class probabilities: either one flat row-major array of N×K values (Float32Array from a softmax, or any
 * numeric array) or one array of K values per case.
 */
export type ProbabilitiesInput = ArrayLike<number> | ReadonlyArray<ArrayLike<number>>;

/** Validated inputs: labels as Int32Array, probabilities as a flat Float64Array of n×k, row-major. */
export interface Classification {
  readonly n: number;
  readonly k: number;
  readonly labels: Int32Array;
  readonly probs: Float64Array;
}

/** Largest |Σ_c p_c − 1| accepted per row; softmax in float32 is off by ~1e-7, logits by far more than this. */
export const ROW_SUM_TOLERANCE = 1e-3;
const RANGE_TOLERANCE = 1e-6;

function isRows(p: ProbabilitiesInput): p is ReadonlyArray<ArrayLike<number>> {
  return Array.isArray(p) && p.length > 0 && typeof p[0] !== 'number';
}

function checkNumClasses(numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new InputError(`numClasses must be an integer ≥ 2, got ${numClasses}`);
  }
}

/**
 * Flattens and checks probabilities: K = numClasses values per row, each finite and in [0, 1], each row summing to 1
 * within ROW_SUM_TOLERANCE. With `expectedRows` the row count must match it (one row per label).
 */
export function toProbabilities(probabilities: ProbabilitiesInput, numClasses: number, expectedRows?: number): { n: number; probs: Float64Array } {
  checkNumClasses(numClasses);
  const k = numClasses;
  let n: number;
  let probs: Float64Array;
  if (isRows(probabilities)) {
    n = probabilities.length;
    if (expectedRows !== undefined && n !== expectedRows) {
      throw new InputError(`probabilities have ${n} rows but there are ${expectedRows} labels: one row per case is needed`);
    }
    probs = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      const row = probabilities[i];
      if (row.length !== k) {
        throw new InputError(`probability row ${i} has ${row.length} values, expected numClasses = ${k}`);
      }
      for (let c = 0; c < k; c++) probs[i * k + c] = row[c];
    }
  } else {
    const flat = probabilities as ArrayLike<number>;
    if (expectedRows !== undefined && flat.length !== expectedRows * k) {
      throw new InputError(
        `probabilities have ${flat.length} values, expected ${expectedRows} labels × ${k} classes = ${expectedRows * k} (row-major N×K)`,
      );
    }
    if (flat.length % k !== 0) {
      throw new InputError(`probabilities have ${flat.length} values, not a multiple of numClasses = ${k} (row-major N×K)`);
    }
    n = flat.length / k;
    probs = Float64Array.from(flat);
  }
  if (n === 0) throw new InputError('probabilities are empty: metrics need at least one case');
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const p = probs[i * k + c];
      if (!Number.isFinite(p) || p < -RANGE_TOLERANCE || p > 1 + RANGE_TOLERANCE) {
        throw new InputError(`probability [${i}][${c}] = ${p} is not in [0, 1]: pass softmax probabilities, not logits`);
      }
      sum += p;
    }
    if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE) {
      throw new InputError(`probability row ${i} sums to ${sum}, not 1: pass softmax probabilities, not logits or scores`);
    }
  }
  return { n, probs };
}

/** Checks labels and probabilities against each other and numClasses; throws InputError naming the first problem. */
export function toClassification(labels: LabelsInput, probabilities: ProbabilitiesInput, numClasses: number): Classification {
  checkNumClasses(numClasses);
  const k = numClasses;
  const n = labels.length;
  if (n === 0) throw new InputError('labels are empty: metrics need at least one case');
  const lab = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= k) {
      throw new InputError(`label ${y} at index ${i} is out of range: labels must be integers in [0, ${k - 1}] for numClasses = ${k}`);
    }
    lab[i] = y;
  }
  const { probs } = toProbabilities(probabilities, k, n);
  return { n, k, labels: lab, probs };
}

/** Predicted class per case: the argmax of its row; on a tie the lowest class index wins. */
export function argmaxRows(probs: Float64Array, n: number, k: number): Int32Array {
  const pred = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestP = probs[i * k];
    for (let c = 1; c < k; c++) {
      const p = probs[i * k + c];
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    pred[i] = best;
  }
  return pred;
}

/** Predicted class per case (argmax, lowest index on ties), after validating the probabilities. */
export function predictClasses(probabilities: ProbabilitiesInput, numClasses: number): Int32Array {
  const { n, probs } = toProbabilities(probabilities, numClasses);
  return argmaxRows(probs, n, numClasses);
}
