/** Ranks, Friedman, Iman–Davenport and Nemenyi against published worked examples (R's friedman.test, Demšar 2006). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  averageRanks,
  friedmanChiSquare,
  friedmanTest,
  fSf,
  imanDavenport,
  nemenyi,
  nemenyiCriticalDifference,
  rankCases,
} from '../../src/eval/index.ts';

const near = (a: number | null, b: number, tol: number) => assert.ok(a !== null && Math.abs(a - b) <= tol, `${a} ≉ ${b}`);

describe('ranks', () => {
  it('1 = best, ties get the mean of the ranks they span; lower-is-better reverses', () => {
    assert.deepEqual(rankCases([[0.9, 0.8, 0.9, 0.7]]), [[1.5, 3, 1.5, 4]]);
    assert.deepEqual(rankCases([[0.9, 0.8, 0.9, 0.7]], false), [[3.5, 2, 3.5, 1]]);
    assert.deepEqual(averageRanks([[3, 2, 1], [1, 3, 2]]), [2, 1.5, 2.5]);
    assert.throws(() => rankCases([[1, 2], [1]]), /case 1 has 1 values/);
  });
});

describe('Friedman test', () => {
  // R documentation example: Hollander & Wolfe (1973) p. 140, rounding first base, 22 players × 3 methods.
  // friedman.test(RoundingTimes): Friedman chi-squared = 11.143, df = 2, p-value = 0.003805 (with tie correction).
  const rounding = [
    [5.4, 5.5, 5.55], [5.85, 5.7, 5.75], [5.2, 5.6, 5.5], [5.55, 5.5, 5.4], [5.9, 5.85, 5.7], [5.45, 5.55, 5.6],
    [5.4, 5.4, 5.35], [5.45, 5.5, 5.35], [5.25, 5.15, 5.0], [5.85, 5.8, 5.7], [5.25, 5.2, 5.1], [5.65, 5.55, 5.45],
    [5.6, 5.35, 5.45], [5.05, 5.0, 4.95], [5.5, 5.5, 5.4], [5.45, 5.55, 5.5], [5.55, 5.55, 5.35], [5.45, 5.5, 5.55],
    [5.5, 5.45, 5.25], [5.65, 5.6, 5.4], [5.7, 5.65, 5.55], [6.3, 6.3, 6.25],
  ];
  it('R friedman.test(RoundingTimes): χ² = 11.143, df = 2, p = 0.003805', () => {
    const f = friedmanTest(rounding, { higherIsBetter: false });
    near(f.chiSquare, 11.143, 5e-4);
    assert.equal(f.df, 2);
    near(f.p, 0.003805, 5e-7);
    // direction does not change the statistic
    near(friedmanTest(rounding).chiSquare, f.chiSquare, 1e-9);
  });
  it('without tie correction the statistic is smaller (ties in 4 of 22 cases)', () => {
    const f = friedmanTest(rounding, { tieCorrection: false });
    // correction factor 1 − 4·(2³ − 2)/(22·3·8) = 1 − 24/528
    near(f.chiSquare, 11.143 * (1 - 24 / 528), 5e-4);
  });
  it("Demšar (2006) §3.2.2: average ranks 3.143, 2.000, 2.893, 1.964 over N = 14 → χ²_F = 9.28, F_F = 3.69", () => {
    const chi = friedmanChiSquare([3.143, 2.0, 2.893, 1.964], 14);
    near(chi, 9.28, 0.005);
    const id = imanDavenport(chi, 14, 4);
    near(id.f, 3.69, 0.005);
    assert.deepEqual([id.df1, id.df2], [3, 39]);
    // "The critical value of F(3, 39) for α = 0.05 is 2.85"
    near(fSf(2.85, 3, 39), 0.05, 0.001);
    assert.ok(id.p < 0.05);
  });
  it('3 cases × 3 methods by hand: χ² = 3.5, with one tie pair ×12/11; p = exp(−χ²/2) for 2 df', () => {
    // ranks [2,1,3], [1.5,1.5,3], [3,1,2] → R = 13/6, 7/6, 16/6
    const f = friedmanTest([[0.82, 0.85, 0.71], [0.91, 0.91, 0.85], [0.62, 0.71, 0.63]]);
    near(f.averageRanks[0], 13 / 6, 1e-12);
    near(f.averageRanks[1], 7 / 6, 1e-12);
    near(f.averageRanks[2], 16 / 6, 1e-12);
    near(f.chiSquare, (3.5 * 12) / 11, 1e-12);
    near(f.p, Math.exp(-(3.5 * 12) / 11 / 2), 1e-12);
    near(f.imanDavenport.f, (2 * f.chiSquare) / (6 - f.chiSquare), 1e-12);
  });
  it('identical ordering in every case: χ² = N(k−1), F_F infinite (null) with p 0', () => {
    const f = friedmanTest([[3, 2, 1], [30, 20, 10], [0.3, 0.2, 0.1]]);
    near(f.chiSquare, 6, 1e-12);
    assert.equal(f.imanDavenport.f, null);
    assert.equal(f.imanDavenport.p, 0);
    assert.throws(() => friedmanTest([[1, 2]]), /at least 2 cases/);
  });
});

describe('Nemenyi critical difference', () => {
  it('k = 8, N = 12: CD = 3.031·√(8·9/(6·12)) = 3.031', () => {
    near(nemenyiCriticalDifference(8, 12), 3.031 * Math.sqrt((8 * 9) / (6 * 12)), 1e-12);
    near(nemenyiCriticalDifference(8, 12), 3.031, 1e-12);
  });
  it('Demšar (2006): k = 4, N = 14 → CD = 2.569·√(20/84) = 1.25', () => {
    near(nemenyiCriticalDifference(4, 14), 1.25, 0.005);
  });
  it('pairs beyond CD are significant; k outside 2..20 is refused', () => {
    const r = nemenyi([3.143, 2.0, 2.893, 1.964], 14);
    const sig = r.pairs.filter((p) => p.significant).map((p) => [p.i, p.j]);
    // 3.143 − 1.964 = 1.179 and 3.143 − 2.000 = 1.143 are below 1.25: nothing significant (Demšar's conclusion)
    assert.deepEqual(sig, []);
    const r2 = nemenyi([1, 2.5, 3.5], 10); // CD = 2.343·√(12/60) = 1.0478
    assert.deepEqual(r2.pairs.filter((p) => p.significant).map((p) => [p.i, p.j]), [[0, 1], [0, 2]]);
    assert.throws(() => nemenyiCriticalDifference(21, 10), /2 to 20 methods/);
  });
});
