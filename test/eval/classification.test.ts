/** Confusion matrix, accuracy, balanced accuracy, precision/recall/F1 and input checks against hand-computed cases. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.ts';
import {
  accuracy,
  balancedAccuracy,
  confusionMatrix,
  evaluateClassification,
  macroF1,
  metricsFromConfusion,
  perClassMetrics,
  perClassRecall,
  predictClasses,
} from '../../src/eval/index.ts';

/** A probability row that predicts class c (0.6 on c, the rest shared). */
function row(c: number, k: number): number[] {
  return Array.from({ length: k }, (_, j) => (j === c ? 0.6 : 0.4 / (k - 1)));
}

const close = (a: number | null, b: number, tol = 1e-12) => {
  assert.notEqual(a, null);
  assert.ok(Math.abs((a as number) - b) <= tol, `${a} ≉ ${b}`);
};

describe('3-class metrics computed by hand', () => {
  // true:  0 0 0 0 1 1 1 2 2 2
  // pred:  0 0 1 2 1 1 0 2 2 1
  const labels = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
  const preds = [0, 0, 1, 2, 1, 1, 0, 2, 2, 1];
  const probs = preds.map((p) => row(p, 3));

  it('confusion matrix has true classes in rows, predictions in columns', () => {
    assert.deepEqual(confusionMatrix(labels, probs, 3), [
      [2, 1, 1],
      [1, 2, 0],
      [0, 1, 2],
    ]);
  });

  it('accuracy 6/10, balanced accuracy (1/2 + 2/3 + 2/3)/3 = 11/18', () => {
    close(accuracy(labels, probs, 3), 0.6);
    close(balancedAccuracy(labels, probs, 3), 11 / 18);
    const rec = perClassRecall(labels, probs, 3);
    close(rec[0], 0.5);
    close(rec[1], 2 / 3);
    close(rec[2], 2 / 3);
  });

  it('precision per class 2/3, 1/2, 2/3; F1 4/7, 4/7, 2/3; macro-F1 38/63', () => {
    const pc = perClassMetrics(labels, probs, 3);
    close(pc[0].precision, 2 / 3);
    close(pc[1].precision, 1 / 2);
    close(pc[2].precision, 2 / 3);
    close(pc[0].f1, 4 / 7);
    close(pc[1].f1, 4 / 7);
    close(pc[2].f1, 2 / 3);
    assert.deepEqual(
      pc.map((p) => [p.support, p.predicted, p.tp, p.fp, p.fn]),
      [
        [4, 3, 2, 1, 2],
        [3, 4, 2, 2, 1],
        [3, 3, 2, 1, 1],
      ],
    );
    close(macroF1(labels, probs, 3), 38 / 63);
  });

  it('flat Float32Array N×K and per-row arrays give the same result', () => {
    const flat = new Float32Array(probs.flat());
    assert.deepEqual(evaluateClassification(labels, flat, 3).confusionMatrix, evaluateClassification(labels, probs, 3).confusionMatrix);
    close(macroF1(new Int32Array(labels), flat, 3), 38 / 63);
  });

  it('argmax ties go to the lowest class index', () => {
    assert.deepEqual(Array.from(predictClasses([[0.4, 0.4, 0.2], [0.2, 0.4, 0.4], [1 / 3, 1 / 3, 1 / 3]], 3)), [0, 1, 0]);
  });
});

describe('a class absent from the batch', () => {
  it('absent from labels but predicted: recall null and left out of balanced accuracy; F1 = 0 counts in macro-F1', () => {
    // true 0 0 1 1, pred 0 1 1 2 (K = 3): class 2 never occurs but is predicted once.
    const labels = [0, 0, 1, 1];
    const probs = [row(0, 3), row(1, 3), row(1, 3), row(2, 3)];
    const pc = perClassMetrics(labels, probs, 3);
    assert.equal(pc[2].recall, null);
    assert.equal(pc[2].precision, 0);
    assert.equal(pc[2].f1, 0);
    // recall: class 0 1/2 (case 1 → 1), class 1 1/2 (case 3 → 2)
    close(balancedAccuracy(labels, probs, 3), (0.5 + 0.5) / 2);
    // F1 = 2tp/(2tp+fp+fn): class 0 tp1 fp0 fn1 → 2/3; class 1 tp1 fp1 fn1 → 1/2; class 2 tp0 fp1 fn0 → 0.
    close(macroF1(labels, probs, 3), (2 / 3 + 1 / 2 + 0) / 3);
  });

  it('absent from labels and predictions: precision, recall and F1 null, left out of every macro average', () => {
    const labels = [0, 0, 1, 1];
    const probs = [row(0, 3), row(1, 3), row(1, 3), row(1, 3)];
    const pc = perClassMetrics(labels, probs, 3);
    assert.deepEqual([pc[2].precision, pc[2].recall, pc[2].f1], [null, null, null]);
    assert.equal(pc[0].precision, 1);
    close(pc[0].f1, 2 / 3); // tp1 fp0 fn1
    close(pc[1].f1, 4 / 5); // tp2 fp1 fn0
    close(macroF1(labels, probs, 3), (2 / 3 + 4 / 5) / 2);
    close(balancedAccuracy(labels, probs, 3), 0.75);
  });

  it('a class never predicted has precision null and F1 0', () => {
    const m = metricsFromConfusion([
      [3, 0],
      [2, 0],
    ]);
    assert.equal(m.perClass[1].precision, null);
    assert.equal(m.perClass[1].recall, 0);
    assert.equal(m.perClass[1].f1, 0);
    close(m.accuracy, 0.6);
    close(m.balancedAccuracy, 0.5);
    close(m.macroF1, (6 / 8 + 0) / 2); // class 0: tp3 fp2 fn0 → 6/8
  });
});

describe('input errors', () => {
  const probs = [row(0, 3), row(1, 3)];
  it('label out of range names the label, its index and the allowed range', () => {
    assert.throws(() => accuracy([0, 3], probs, 3), (e: unknown) => e instanceof InputError && /label 3 at index 1/.test(e.message) && /\[0, 2\]/.test(e.message));
    assert.throws(() => accuracy([0, 1.5], probs, 3), InputError);
    assert.throws(() => accuracy([-1, 0], probs, 3), InputError);
  });
  it('wrong shapes, logits and bad numClasses', () => {
    assert.throws(() => accuracy([0, 1, 2], probs, 3), /2 rows but there are 3 labels/);
    assert.throws(() => accuracy([0, 1], new Float32Array(5), 3), /expected 2 labels × 3 classes = 6/);
    assert.throws(() => accuracy([0, 1], [[0.5, 0.5], [0.2, 0.8]], 3), /row 0 has 2 values/);
    assert.throws(() => accuracy([0, 1], [[2.1, -0.3, 0.2], row(1, 3)], 3), /not logits/);
    assert.throws(() => accuracy([0, 1], [[0.5, 0.3, 0.3], row(1, 3)], 3), /sums to 1\.1/);
    assert.throws(() => accuracy([0, 1], [[Number.NaN, 0.5, 0.5], row(1, 3)], 3), InputError);
    assert.throws(() => accuracy([0], [[1]], 1), /numClasses must be an integer ≥ 2/);
    assert.throws(() => accuracy([], [], 2), /empty/);
  });
});
