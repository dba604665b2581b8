/** Wilson intervals and sensitivity / specificity / PPV / NPV against hand computations. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { binaryDiagnostics, normalQuantile, wilsonInterval } from '../../src/eval/index.ts';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

describe('Wilson interval', () => {
  it('inverts the normal distribution', () => {
    close(normalQuantile(0.975), 1.959963985, 1e-9);
    close(normalQuantile(0.5), 0, 1e-12);
    close(normalQuantile(0.05), -1.644853627, 1e-9);
  });
  it('gives the textbook interval for 8 of 10 and stays in [0, 1] at the edges', () => {
    // z = 1.95996: centre (0.8 + z²/20)/(1 + z²/10) = 0.716741, half-width z·√(0.016 + z²/400)/(1 + z²/10) = 0.226574.
    const ci = wilsonInterval(8, 10)!;
    close(ci.lo, 0.490156, 1e-5);
    close(ci.hi, 0.943318, 1e-5);
    assert.deepEqual([wilsonInterval(0, 10)!.lo, wilsonInterval(10, 10)!.hi], [0, 1]);
    assert.ok(wilsonInterval(0, 10)!.hi > 0 && wilsonInterval(10, 10)!.lo < 1);
    assert.equal(wilsonInterval(0, 0), null);
    assert.throws(() => wilsonInterval(3, 2), /successes ≤ trials/);
  });
});

describe('binary diagnostics', () => {
  // Rows = true class, columns = predicted; class 0 positive: TP 30, FN 10, FP 5, TN 55.
  const cm = [[30, 10], [5, 55]];
  it('counts TP/FN/FP/TN of the positive class and divides them', () => {
    const d = binaryDiagnostics(cm, 0);
    assert.deepEqual([d.tp, d.fn, d.fp, d.tn], [30, 10, 5, 55]);
    assert.equal(d.sensitivity.value, 30 / 40);
    assert.equal(d.specificity.value, 55 / 60);
    assert.equal(d.ppv.value, 30 / 35);
    assert.equal(d.npv.value, 55 / 65);
    assert.deepEqual(d.sensitivity.interval, wilsonInterval(30, 40));
  });
  it('swaps roles with the other class positive', () => {
    const d = binaryDiagnostics(cm, 1);
    assert.equal(d.sensitivity.value, 55 / 60);
    assert.equal(d.ppv.value, 55 / 65);
    assert.throws(() => binaryDiagnostics([[1, 0, 0], [0, 1, 0], [0, 0, 1]], 0), /2×2/);
  });
});
