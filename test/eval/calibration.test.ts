/** ECE (15 equal-width bins of the max probability), its reliability bins, and NLL against hand computations. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calibration, evaluateClassification, expectedCalibrationError, negativeLogLikelihood } from '../../src/eval/index.ts';

describe('expected calibration error', () => {
  it('one case per bin: |1−0.9|, |1−0.6|, |0−0.65|, |1−0.8| averaged = 0.3375', () => {
    const labels = [0, 0, 1, 1];
    const probs = [
      [0.9, 0.1],
      [0.6, 0.4],
      [0.65, 0.35],
      [0.2, 0.8],
    ];
    const c = calibration(labels, probs, 2);
    assert.ok(Math.abs(c.ece - 0.3375) < 1e-12);
    assert.ok(Math.abs(c.mce - 0.65) < 1e-12);
    assert.equal(c.bins.length, 15);
    // 0.6 sits on the edge 9/15 and belongs to the bin (8/15, 9/15]
    assert.deepEqual(
      c.bins.map((b) => b.count),
      [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0, 1, 0],
    );
  });

  it('shared bins, Float32Array input: 4/6·|0.75−0.95| + 2/6·|0.5−0.55| = 0.15', () => {
    // four cases at confidence 0.95 (3 right), two at 0.55 (1 right)
    const labels = [0, 0, 0, 1, 1, 0];
    const probs = new Float32Array([0.95, 0.05, 0.95, 0.05, 0.95, 0.05, 0.95, 0.05, 0.45, 0.55, 0.45, 0.55]);
    const c = calibration(labels, probs, 2);
    assert.ok(Math.abs(c.ece - 0.15) < 1e-6, String(c.ece));
    assert.ok(Math.abs(c.mce - 0.2) < 1e-6);
    const top = c.bins[14];
    assert.equal(top.count, 4);
    assert.equal(top.accuracy, 0.75);
    assert.ok(Math.abs(top.confidence! - 0.95) < 1e-6);
    assert.ok(Math.abs(top.lo - 14 / 15) < 1e-15 && top.hi === 1);
    assert.equal(c.bins[8].count, 2);
    assert.equal(c.bins[8].accuracy, 0.5);
    assert.equal(c.bins[0].accuracy, null);
    assert.equal(c.bins[0].confidence, null);
  });

  it('a perfectly calibrated set has ECE 0; bin count is configurable', () => {
    // confidence 0.75 with 3 of 4 right
    const labels = [0, 0, 0, 1];
    const probs = [0, 1, 2, 3].map(() => [0.75, 0.25]);
    assert.ok(Math.abs(expectedCalibrationError(labels, probs, 2)) < 1e-15);
    const c10 = calibration([0, 1], [[0.95, 0.05], [0.55, 0.45]], 2, 10);
    assert.equal(c10.bins.length, 10);
    assert.ok(Math.abs(c10.ece - (0.5 * 0.05 + 0.5 * 0.55)) < 1e-12);
  });
});

describe('negative log-likelihood', () => {
  it('mean −ln p(true): −(ln 0.9 + ln 0.6 + ln 0.35 + ln 0.8)/4 = 0.4722879538', () => {
    const nll = negativeLogLikelihood([0, 0, 1, 1], [[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]], 2);
    assert.ok(Math.abs(nll - 0.4722879538) < 1e-9, String(nll));
  });
  it('p = 0 for the true class is clipped to 1e-15: NLL = 34.538776', () => {
    const nll = negativeLogLikelihood([1], [[1, 0]], 2);
    assert.ok(Math.abs(nll - 34.538776394910684) < 1e-9);
  });
});

describe('evaluateClassification', () => {
  it('collects every metric in a JSON-serialisable object (no NaN, Infinity or undefined)', () => {
    const labels = [0, 0, 1, 1];
    const probs = [
      [0.7, 0.2, 0.1],
      [0.4, 0.5, 0.1],
      [0.3, 0.6, 0.1],
      [0.2, 0.3, 0.5],
    ];
    const r = evaluateClassification(labels, probs, 3, { classNames: ['benign', 'malignant', 'normal'] });
    assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
    assert.equal(r.n, 4);
    // predictions 0, 1, 1, 2 against labels 0, 0, 1, 1: two right; recall 1/2 for classes 0 and 1
    assert.equal(r.accuracy, 0.5);
    assert.equal(r.balancedAccuracy, 0.5);
    assert.deepEqual(r.confusionMatrix, [
      [1, 1, 0],
      [0, 1, 1],
      [0, 0, 0],
    ]);
    assert.equal(r.perClass[1].name, 'malignant');
    assert.equal(r.perClass[2].recall, null);
    assert.equal(r.perClass[2].support, 0);
    assert.equal(r.perClass[2].predicted, 1);
  });
});
