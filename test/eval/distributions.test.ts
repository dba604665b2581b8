/** Distribution functions against published table values and closed forms; the Nemenyi q table against quadrature. */
import assert from 'node:assert/strict';
import { describe as suite, it } from 'node:test';
import { chiSquareSf, describe, fSf, meanCI, NEMENYI_Q_05, normalCdf, sampleSd, tCdf, tQuantile, tTwoSidedP } from '../../src/eval/index.ts';

const near = (a: number, b: number, tol: number) => assert.ok(Math.abs(a - b) <= tol, `${a} ≉ ${b} (tol ${tol})`);

suite('Student t', () => {
  it('quantiles from the t table', () => {
    near(tQuantile(0.975, 4), 2.776445, 5e-7);
    near(tQuantile(0.975, 9), 2.262157, 5e-7);
    near(tQuantile(0.975, 1), 12.706205, 5e-7);
    near(tQuantile(0.995, 10), 3.169273, 5e-7);
    near(tQuantile(0.95, 30), 1.697261, 5e-7);
    near(tQuantile(0.025, 4), -2.776445, 5e-7);
    assert.equal(tQuantile(0.5, 7), 0);
  });
  it('CDF against the closed forms for 1 and 2 degrees of freedom', () => {
    for (const t of [-30, -2.5, -0.3, 0, 0.7, 4, 100]) {
      near(tCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-13);
      near(tCdf(t, 2), 0.5 + t / (2 * Math.sqrt(2 + t * t)), 1e-13);
    }
    near(tTwoSidedP(8, 2), 1 - 8 / Math.sqrt(66), 1e-13);
  });
  it('quantile inverts the CDF, including far tails', () => {
    for (const df of [1, 3, 12.5, 200]) {
      for (const p of [1e-9, 0.01, 0.3, 0.8, 0.999]) {
        const t = tQuantile(p, df);
        near(tCdf(t, df), p, 1e-12 + 1e-9 * p);
      }
    }
  });
});

suite('chi-square, F, normal', () => {
  it('chi-square table values and the closed form for 2 df', () => {
    near(chiSquareSf(3.841459, 1), 0.05, 1e-7);
    near(chiSquareSf(7.814728, 3), 0.05, 1e-7);
    near(chiSquareSf(18.307038, 10), 0.05, 1e-7);
    for (const x of [0.1, 1, 5, 40]) near(chiSquareSf(x, 2), Math.exp(-x / 2), 1e-14);
  });
  it('F: closed form for 2 numerator df, and F(1, d) = t²', () => {
    for (const [f, d2] of [[0.5, 3], [3, 10], [12, 7]]) near(fSf(f, 2, d2), (1 + (2 * f) / d2) ** (-d2 / 2), 1e-13);
    near(fSf(2.228139 ** 2, 1, 10), 0.05, 1e-6);
    near(fSf(4.964603, 1, 10), 0.05, 1e-7);
  });
  it('normal CDF table values', () => {
    near(normalCdf(1.959964), 0.975, 1e-7);
    near(normalCdf(1), 0.8413447461, 1e-10);
    near(normalCdf(-3), 0.0013498980, 1e-10);
    assert.equal(normalCdf(0), 0.5);
  });
});

suite('mean, sd and t confidence interval', () => {
  it('hand example: 2, 4, 4, 4, 5, 5, 7, 9 → mean 5, sd √(32/7), CI 5 ± 2.364624·sd/√8', () => {
    const x = [2, 4, 4, 4, 5, 5, 7, 9];
    const s = describe(x);
    assert.equal(s.mean, 5);
    near(sampleSd(x)!, Math.sqrt(32 / 7), 1e-14);
    const h = (2.364624 * Math.sqrt(32 / 7)) / Math.sqrt(8);
    near(s.ci!.lo, 5 - h, 1e-6);
    near(s.ci!.hi, 5 + h, 1e-6);
  });
  it('five seeds 0.80 0.82 0.85 0.81 0.84 → CI with t_{0.975,4} = 2.776445', () => {
    const x = [0.8, 0.82, 0.85, 0.81, 0.84];
    // mean 0.824, deviations −.024 −.004 .026 −.014 .016 → SS = 0.00172, sd = √(0.00043)
    const sd = Math.sqrt(0.00172 / 4);
    const ci = meanCI(x)!;
    near(ci.lo, 0.824 - (2.776445 * sd) / Math.sqrt(5), 1e-7);
    near(ci.hi, 0.824 + (2.776445 * sd) / Math.sqrt(5), 1e-7);
  });
  it('a single seed has no sd or CI', () => {
    assert.deepEqual(describe([0.9]), { n: 1, mean: 0.9, sd: null, se: null, ci: null });
    assert.throws(() => describe([]), /at least 1 value/);
    assert.throws(() => describe([1, Number.NaN]), /not a finite number/);
  });
});

suite('Nemenyi q table', () => {
  // Independent check: q_α(k, ∞) solves P(range of k iid N(0,1) ≤ q) = 1 − α, with
  // P(R ≤ q) = k ∫ φ(z) [Φ(z + q) − Φ(z)]^{k−1} dz (Simpson's rule on [−9, 9]).
  function rangeCdf(q: number, k: number): number {
    const m = 3000;
    const a = -9;
    const h = 18 / m;
    let s = 0;
    for (let i = 0; i <= m; i++) {
      const z = a + i * h;
      const f = (Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI)) * (normalCdf(z + q) - normalCdf(z)) ** (k - 1);
      s += f * (i === 0 || i === m ? 1 : i % 2 === 1 ? 4 : 2);
    }
    return (k * s * h) / 3;
  }
  function qCritical(k: number): number {
    let lo = 0;
    let hi = 10;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (rangeCdf(mid, k) < 0.95) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  }
  it('k = 11..20 equal q_0.05(k, ∞)/√2 rounded to three decimals', () => {
    for (let k = 11; k <= 20; k++) near(NEMENYI_Q_05[k], qCritical(k) / Math.SQRT2, 5e-4 + 1e-9);
  });
  it("k = 2..10 are Demšar's printed values, within one unit of the third decimal (k = 3: 2.343 vs 2.3437)", () => {
    const demsar = [1.96, 2.343, 2.569, 2.728, 2.85, 2.949, 3.031, 3.102, 3.164];
    for (let k = 2; k <= 10; k++) {
      assert.equal(NEMENYI_Q_05[k], demsar[k - 2]);
      near(NEMENYI_Q_05[k], qCritical(k) / Math.SQRT2, 1e-3);
    }
  });
});
