/** compareToBaseline on a small grid whose every figure is computed by hand below. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.ts';
import { compareToBaseline, type ResultRecord } from '../../src/eval/index.ts';

const near = (a: number | null | undefined, b: number, tol = 1e-9) => assert.ok(a != null && Math.abs(a - b) <= tol, `${a} ≉ ${b}`);

// case → strategy → values for seeds 1, 2, 3
const grid: Record<string, Record<string, number[]>> = {
  A: { ft: [0.8, 0.82, 0.84], 'lp-ft': [0.83, 0.85, 0.86], lp: [0.7, 0.71, 0.72] },
  B: { ft: [0.9, 0.91, 0.92], 'lp-ft': [0.9, 0.9, 0.93], lp: [0.85, 0.86, 0.84] },
  C: { ft: [0.6, 0.62, 0.64], 'lp-ft': [0.7, 0.73, 0.7], lp: [0.61, 0.63, 0.65] },
};
const records: ResultRecord[] = Object.entries(grid).flatMap(([c, byS]) =>
  Object.entries(byS).flatMap(([s, vals]) => vals.map((value, i) => ({ case: c, strategy: s, seed: i + 1, value }))),
);

describe('compareToBaseline', () => {
  const r = compareToBaseline(records);

  it('orders strategies with the baseline first', () => {
    assert.deepEqual(r.strategies, ['ft', 'lp-ft', 'lp']);
    assert.deepEqual(r.cases, ['A', 'B', 'C']);
  });

  it('cell summary: A/ft mean 0.82, sd 0.02, CI 0.82 ± 4.302653·0.02/√3', () => {
    const cell = r.cells.find((c) => c.case === 'A' && c.strategy === 'ft')!;
    near(cell.mean, 0.82);
    near(cell.sd, 0.02);
    near(cell.ci!.lo, 0.82 - (4.302653 * 0.02) / Math.sqrt(3), 1e-6);
    near(cell.ci!.hi, 0.82 + (4.302653 * 0.02) / Math.sqrt(3), 1e-6);
  });

  it('paired over seeds: A lp-ft − ft = 0.03, 0.03, 0.02 → t = 8 (p = 1 − 8/√66), Wilcoxon p = 2/8', () => {
    const p = r.paired.find((x) => x.case === 'A' && x.strategy === 'lp-ft')!;
    assert.deepEqual(p.seeds, [1, 2, 3]);
    near(p.meanDiff, 0.08 / 3);
    near(p.tTest!.t, 8, 1e-8);
    near(p.tTest!.p, 1 - 8 / Math.sqrt(66), 1e-8);
    near(p.wilcoxon!.p, 0.25, 1e-15);
    assert.equal(r.paired.length, 6);
  });

  it('wins on case means: lp-ft 2 wins 1 tie (B: 0.91 = 0.91), sign p 0.5; lp 1 win 2 losses, sign p 1', () => {
    const lpft = r.wins.find((w) => w.strategy === 'lp-ft')!;
    assert.deepEqual([lpft.cases, lpft.wins, lpft.ties, lpft.losses], [3, 2, 1, 0]);
    near(lpft.share, 2 / 3);
    near(lpft.signTestP, 0.5, 1e-12);
    const lp = r.wins.find((w) => w.strategy === 'lp')!;
    assert.deepEqual([lp.wins, lp.ties, lp.losses], [1, 0, 2]);
    near(lp.signTestP, 1, 1e-12);
  });

  it('largest gain: lp-ft +0.09 on C (0.71 vs 0.62, relative 0.09/0.62); lp +0.01 on C; mean gains', () => {
    const g = r.largestGain.find((x) => x.strategy === 'lp-ft')!;
    assert.equal(g.case, 'C');
    near(g.gain, 0.09);
    near(g.relativeGain, 0.09 / 0.62);
    near(g.meanGain, (0.08 / 3 + 0 + 0.09) / 3);
    const l = r.largestGain.find((x) => x.strategy === 'lp')!;
    assert.equal(l.case, 'C');
    near(l.gain, 0.01);
    near(l.meanGain, (-0.11 - 0.06 + 0.01) / 3);
  });

  it('ranks: average 13/6, 7/6, 16/6; tie-corrected χ² = 3.5·12/11; Nemenyi CD = 2.343·√(12/18)', () => {
    const k = r.ranks!;
    near(k.averageRanks[0], 13 / 6);
    near(k.averageRanks[1], 7 / 6);
    near(k.averageRanks[2], 16 / 6);
    near(k.chiSquare, 42 / 11);
    near(k.p, Math.exp(-21 / 11));
    near(k.nemenyi!.cd, 2.343 * Math.sqrt(12 / 18));
  });

  it('lower-is-better metrics flip wins and gains', () => {
    const low = compareToBaseline(records, { higherIsBetter: false });
    const lp = low.wins.find((w) => w.strategy === 'lp')!;
    assert.deepEqual([lp.wins, lp.losses], [2, 1]);
    const g = low.largestGain.find((x) => x.strategy === 'lp')!;
    assert.equal(g.case, 'A');
    near(g.gain, 0.11);
  });

  it('one seed: no paired tests, comparisons still made; missing baseline and duplicates are errors', () => {
    const one = compareToBaseline(records.filter((x) => x.seed === 1));
    assert.ok(one.paired.every((p) => p.tTest === null && p.wilcoxon === null));
    assert.equal(one.wins.length, 2);
    assert.throws(() => compareToBaseline(records, { baseline: 'l2-sp' }), (e: unknown) => e instanceof InputError && /baseline strategy "l2-sp"/.test(e.message));
    assert.throws(() => compareToBaseline([...records, records[0]]), /duplicate result for case A, strategy ft, seed 1/);
  });
});
