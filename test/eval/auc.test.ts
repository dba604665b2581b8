/** AUC (Mann–Whitney with ties counted ½) against pair counting by hand, the trapezoidal ROC area, and macro OvR rules. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../src/random.ts';
import { binaryAuc, evaluateClassification, macroAuc, perClassAuc } from '../../src/eval/index.ts';

/** Trapezoidal area under the empirical ROC curve, thresholds from high to low (ties move diagonally). */
function trapezoidAuc(scores: number[], pos: boolean[]): number {
  const P = pos.filter(Boolean).length;
  const N = pos.length - P;
  const thresholds = [...new Set(scores)].sort((a, b) => b - a);
  let tp = 0;
  let fp = 0;
  let area = 0;
  for (const t of thresholds) {
    let dtp = 0;
    let dfp = 0;
    scores.forEach((s, i) => {
      if (s === t) pos[i] ? dtp++ : dfp++;
    });
    area += ((dfp / N) * (tp / P + (tp + dtp) / P)) / 2;
    tp += dtp;
    fp += dfp;
  }
  return area;
}

/** Brute force: share of (positive, negative) pairs ordered correctly, ties ½. */
function pairAuc(scores: number[], pos: boolean[]): number {
  let s = 0;
  let m = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!pos[i]) continue;
    for (let j = 0; j < scores.length; j++) {
      if (pos[j]) continue;
      m++;
      s += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return s / m;
}

describe('binary AUC', () => {
  it('scores [0.1, 0.4, 0.35, 0.8], labels [0, 0, 1, 1] → 0.75', () => {
    assert.equal(binaryAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
  });

  it('ties count ½: 4 positives × 2 negatives, pair sum 5.5 → 0.6875', () => {
    // positives 0.5, 0.5, 0.8, 0.2; negatives 0.5, 0.2.
    // pairs: 0.5:(½, 1) 0.5:(½, 1) 0.8:(1, 1) 0.2:(0, ½) → 5.5 / 8
    assert.equal(binaryAuc([0.5, 0.5, 0.2, 0.5, 0.8, 0.2], [1, 0, 0, 1, 1, 1]), 0.6875);
  });

  it('all scores equal → 0.5; perfect and reversed separation → 1 and 0; one group empty → null', () => {
    assert.equal(binaryAuc([0.3, 0.3, 0.3], [1, 0, 1]), 0.5);
    assert.equal(binaryAuc([0.9, 0.8, 0.1], [1, 1, 0]), 1);
    assert.equal(binaryAuc([0.1, 0.2, 0.9], [1, 1, 0]), 0);
    assert.equal(binaryAuc([0.1, 0.2], [1, 1]), null);
    assert.equal(binaryAuc([0.1, 0.2], [0, 0]), null);
  });

  it('equals the trapezoidal ROC area and pair counting on random data with many ties', () => {
    const rng = createRng(7);
    for (let trial = 0; trial < 20; trial++) {
      const n = 30 + rng.int(50);
      const scores = Array.from({ length: n }, () => Math.round(rng.next() * 10) / 10);
      const pos = Array.from({ length: n }, (_, i) => (i < 2 ? i === 0 : rng.next() < 0.4));
      const auc = binaryAuc(scores, pos)!;
      assert.ok(Math.abs(auc - trapezoidAuc(scores, pos)) < 1e-12, `trial ${trial}`);
      assert.ok(Math.abs(auc - pairAuc(scores, pos)) < 1e-12, `trial ${trial}`);
    }
  });
});

describe('binary vs multi-class', () => {
  it('two classes: macro AUC is the AUC of class 1\'s probability', () => {
    const labels = [0, 0, 1, 1];
    const probs = [0.1, 0.4, 0.35, 0.8].map((p) => [1 - p, p]);
    assert.equal(macroAuc(labels, probs, 2), 0.75);
    assert.deepEqual(perClassAuc(labels, probs, 2), [0.75, 0.75]);
  });

  it('two classes, only one present → null', () => {
    assert.equal(macroAuc([1, 1], [[0.2, 0.8], [0.6, 0.4]], 2), null);
  });

  it('three classes: mean of one-vs-rest AUCs; a class absent from the labels is null and excluded', () => {
    const labels = [0, 0, 1, 1];
    const probs = [
      [0.7, 0.2, 0.1],
      [0.4, 0.5, 0.1],
      [0.3, 0.6, 0.1],
      [0.2, 0.3, 0.5],
    ];
    // class 0: positives 0.7, 0.4 vs negatives 0.3, 0.2 → 4/4 = 1
    // class 1: positives 0.6, 0.3 vs negatives 0.2, 0.5 → (1 + 1 + 1 + 0)/4 = 0.75
    assert.deepEqual(perClassAuc(labels, probs, 3), [1, 0.75, null]);
    assert.equal(macroAuc(labels, probs, 3), 0.875);
    const r = evaluateClassification(labels, probs, 3);
    assert.equal(r.macroAuc, 0.875);
    assert.deepEqual(r.aucExcludedClasses, [2]);
    assert.equal(r.perClass[2].auc, null);
  });

  it('three classes all present: (1 + 5/6 + 1)/3 by hand', () => {
    const labels = [0, 1, 1, 2];
    const probs = [
      [0.8, 0.1, 0.1],
      [0.3, 0.6, 0.1],
      [0.5, 0.4, 0.1],
      [0.1, 0.2, 0.7],
    ];
    // class 0: pos 0.8 vs 0.3, 0.5, 0.1 → 1
    // class 1: pos 0.6, 0.4 vs neg 0.1, 0.2 → 1
    // class 2: pos 0.7 vs 0.1, 0.1, 0.1 → 1
    assert.equal(macroAuc(labels, probs, 3), 1);
    const probs2 = [
      [0.8, 0.1, 0.1],
      [0.3, 0.6, 0.1],
      [0.5, 0.15, 0.35],
      [0.1, 0.2, 0.7],
    ];
    // class 1: pos 0.6, 0.15 vs neg 0.1, 0.2 → (1 + 1 + 1 + 0)/4 = 0.75
    // class 2: pos 0.7 vs 0.1, 0.1, 0.35 → 1; class 0: pos 0.8 vs 0.3, 0.5, 0.1 → 1
    assert.equal(macroAuc(labels, probs2, 3), (1 + 0.75 + 1) / 3);
  });
});
