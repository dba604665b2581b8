/** Paired t-test, Wilcoxon signed-rank (exact), binomial and sign tests against textbook examples and enumeration. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { binomialTest, pairedTTest, signTest, wilcoxonSignedRank } from '../../src/eval/index.ts';

const near = (a: number | null, b: number, tol: number) => assert.ok(a !== null && Math.abs(a - b) <= tol, `${a} ≉ ${b}`);

describe('paired t-test', () => {
  it("Student's sleep data (R: t.test(extra ~ group, data = sleep, paired = TRUE))", () => {
    const g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
    const g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
    const r = pairedTTest(g1, g2);
    near(r.t, -4.0621, 5e-5);
    assert.equal(r.df, 9);
    near(r.p, 0.002833, 5e-7);
    near(r.meanDiff, -1.58, 1e-12);
    near(r.ci.lo, -2.4598858, 5e-8);
    near(r.ci.hi, -0.7001142, 5e-8);
  });
  it('three differences 0.03, 0.03, 0.02: t = 8, p = 1 − 8/√66 (closed form for 2 df)', () => {
    const r = pairedTTest([0.83, 0.85, 0.86], [0.8, 0.82, 0.84]);
    near(r.t, 8, 1e-9);
    near(r.p, 1 - 8 / Math.sqrt(66), 1e-9);
  });
  it('constant differences: t undefined, p 0 (non-zero) or 1 (all zero)', () => {
    const a = pairedTTest([1, 2, 3], [0.5, 1.5, 2.5]);
    assert.equal(a.t, null);
    assert.equal(a.p, 0);
    assert.equal(pairedTTest([1, 2], [1, 2]).p, 1);
    assert.throws(() => pairedTTest([1], [2]), /at least 2 pairs/);
    assert.throws(() => pairedTTest([1, 2], [2]), /equal length/);
  });
});

describe('Wilcoxon signed-rank test (exact)', () => {
  it('n = 6, all differences positive → p = 2/64 = 0.03125', () => {
    const r = wilcoxonSignedRank([1.1, 2.3, 3.2, 4.6, 5.5, 6.9], [1, 2, 3, 4, 5, 6]);
    assert.equal(r.wPlus, 21);
    assert.equal(r.method, 'exact');
    near(r.p, 0.03125, 1e-15);
  });
  it('R wilcox.test(x, y, paired = TRUE) depression example: V = 40, one-sided 0.01953 → two-sided 0.0390625', () => {
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const r = wilcoxonSignedRank(x, y);
    assert.equal(r.wPlus, 40);
    assert.equal(r.wMinus, 5);
    near(r.p, 0.0390625, 1e-15);
  });
  it('zeros dropped and tied |d| mid-ranked; p equals enumeration of all 2^7 sign patterns', () => {
    // d = 1, −2, 2, 3, 0, −1, 4, 2 → non-zero |d| 1 2 2 3 1 4 2, mid-ranks 1.5 4 4 6 1.5 7 4; W+ = 1.5+4+6+7+4 = 22.5
    const d = [1, -2, 2, 3, 0, -1, 4, 2];
    const r = wilcoxonSignedRank(d, d.map(() => 0));
    assert.equal(r.zeros, 1);
    assert.equal(r.n, 7);
    assert.equal(r.ties, true);
    assert.equal(r.wPlus, 22.5);
    assert.equal(r.wMinus, 5.5);
    const ranks = [1.5, 4, 4, 6, 1.5, 7, 4];
    let ge = 0;
    let le = 0;
    for (let mask = 0; mask < 128; mask++) {
      let w = 0;
      for (let i = 0; i < 7; i++) if (mask & (1 << i)) w += ranks[i];
      if (w >= 22.5) ge++;
      if (w <= 22.5) le++;
    }
    near(r.p, Math.min(1, (2 * Math.min(ge, le)) / 128), 1e-15);
  });
  it('float noise: 0.9−0.85 and 0.85−0.8 tie, 0.3 − (0.1+0.2) is a zero', () => {
    const r = wilcoxonSignedRank([0.9, 0.85, 0.3, 0.7], [0.85, 0.8, 0.1 + 0.2, 0.6]);
    assert.equal(r.zeros, 1);
    assert.equal(r.ties, true);
    assert.equal(r.wPlus, 6); // ranks 1.5, 1.5, 3
  });
  it('all zero → p = 1; n > 50 uses the normal approximation', () => {
    assert.equal(wilcoxonSignedRank([1, 2], [1, 2]).p, 1);
    // 60 positive distinct differences: W+ = 1830, μ = 915, σ² = 60·61·121/24 = 18452.5
    const x = Array.from({ length: 60 }, (_, i) => i + 1);
    const r = wilcoxonSignedRank(x, x.map(() => 0));
    assert.equal(r.method, 'normal');
    const z = (1830 - 915 - 0.5) / Math.sqrt(18452.5); // = 6.7322
    assert.ok(z > 6.73 && z < 6.74);
    // 2(1 − Φ(6.7322)) ≈ 1.67e-11
    assert.ok(r.p > 1.5e-11 && r.p < 1.9e-11, String(r.p));
  });
});

describe('binomial and sign tests', () => {
  it('9 successes in 10 at ½: p = 2·11/1024 = 0.021484375', () => {
    near(binomialTest(9, 10).p, 0.021484375, 1e-14);
    near(signTest(9, 1, 5).p, 0.021484375, 1e-14);
    near(signTest(1, 9).p, 0.021484375, 1e-14);
  });
  it("R binom.test(c(682, 243), p = 3/4): p-value = 0.3825 (Conover's Mendel example)", () => {
    near(binomialTest(682, 925, 0.75).p, 0.3825, 5e-5);
  });
  it('balanced outcomes give p = 1; no trials p = 1; bad input rejected', () => {
    assert.equal(binomialTest(5, 10).p, 1);
    assert.equal(signTest(0, 0, 3).p, 1);
    assert.throws(() => binomialTest(11, 10), /successes must be an integer in \[0, 10\]/);
  });
});
