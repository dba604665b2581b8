/** Percentile bootstrap: type-7 quantiles, seeding, degenerate and stratified cases, and agreement with the normal CI. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootstrapCI, bootstrapStatistic, quantileSorted } from '../../src/eval/index.ts';

describe('bootstrap', () => {
  it('type-7 quantiles by hand', () => {
    assert.equal(quantileSorted([1, 2, 3, 4], 0.25), 1.75);
    assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(quantileSorted([10], 0.975), 10);
  });

  it('a perfect classifier has the interval [1, 1]', () => {
    const labels = [0, 1, 0, 1, 1];
    const probs = labels.map((y) => (y === 1 ? [0.1, 0.9] : [0.8, 0.2]));
    const r = bootstrapCI(labels, probs, 2, 'accuracy', { resamples: 200 });
    assert.deepEqual([r.estimate, r.lo, r.hi, r.valid], [1, 1, 1, 200]);
  });

  it('same seed → same interval; another seed → another; B = 1000 by default', () => {
    const labels = Array.from({ length: 60 }, (_, i) => i % 2);
    const probs = labels.map((y, i) => (i % 5 === 0 ? (y ? [0.7, 0.3] : [0.3, 0.7]) : y ? [0.4, 0.6] : [0.6, 0.4]));
    const a = bootstrapCI(labels, probs, 2, 'accuracy', { seed: 3 });
    const b = bootstrapCI(labels, probs, 2, 'accuracy', { seed: 3 });
    const c = bootstrapCI(labels, probs, 2, 'accuracy', { seed: 4 });
    assert.deepEqual(a, b);
    assert.notDeepEqual([a.lo, a.hi, a.se], [c.lo, c.hi, c.se]);
    assert.equal(a.resamples, 1000);
    assert.equal(a.estimate, 0.8);
  });

  it('accuracy 0.8 on n = 400 agrees with the normal interval 0.8 ± 1.96·0.02 within 0.01', () => {
    const labels = Array.from({ length: 400 }, () => 0);
    const probs = labels.map((_, i) => (i < 320 ? [0.9, 0.1] : [0.1, 0.9]));
    const r = bootstrapCI(labels, probs, 2, 'accuracy', { seed: 1 });
    assert.ok(Math.abs(r.lo - (0.8 - 1.96 * 0.02)) < 0.01, String(r.lo));
    assert.ok(Math.abs(r.hi - (0.8 + 1.96 * 0.02)) < 0.01, String(r.hi));
    assert.ok(Math.abs(r.se - 0.02) < 0.003, String(r.se));
  });

  it('stratified resampling keeps the class counts; AUC undefined on a resample is skipped, not counted', () => {
    const groups = [0, 0, 0, 1, 1, 2];
    bootstrapStatistic(
      groups.length,
      (idx) => {
        const counts = [0, 0, 0];
        for (const i of idx) counts[groups[i]]++;
        assert.deepEqual(counts, [3, 2, 1]);
        return 0;
      },
      { resamples: 50, groups },
    );
    // one positive among 5: plain resampling misses it in (4/5)^5 ≈ 33% of resamples
    const labels = [1, 0, 0, 0, 0];
    const probs = [[0.2, 0.8], [0.9, 0.1], [0.6, 0.4], [0.7, 0.3], [0.8, 0.2]];
    const r = bootstrapCI(labels, probs, 2, 'macroAuc', { resamples: 500 });
    assert.ok(r.valid < 450 && r.valid > 250, String(r.valid));
    assert.deepEqual([r.estimate, r.lo, r.hi], [1, 1, 1]);
    assert.equal(bootstrapCI(labels, probs, 2, 'macroAuc', { resamples: 100, stratified: true }).valid, 100);
  });

  it('custom metric functions and bad options', () => {
    const r = bootstrapCI([0, 1], [[0.5, 0.5], [0.5, 0.5]], 2, (l) => l.length, { resamples: 10 });
    assert.deepEqual([r.lo, r.hi], [2, 2]);
    assert.throws(() => bootstrapCI([0, 1], [[0.5, 0.5], [0.5, 0.5]], 2, 'accuracy', { level: 1 }), /strictly between 0 and 1/);
    assert.throws(() => bootstrapCI([0, 1], [[0.5, 0.5], [0.5, 0.5]], 2, 'accuracy', { resamples: 0 }), /resamples/);
  });
});
