/** ROC and precision–recall points against hand counts, and the area under the ROC points against binaryAuc. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../src/random.ts';
import { binaryAuc, rocPrCurves } from '../../src/eval/index.ts';

describe('ROC and precision–recall curves', () => {
  it('steps through the distinct scores, ties in one step', () => {
    // scores high → low: 0.9 (+), 0.8 (−), 0.8 (+), 0.3 (−)
    const c = rocPrCurves([0.9, 0.8, 0.8, 0.3], [1, 0, 1, 0])!;
    assert.deepEqual(c.points.map((p) => [p.threshold, p.tp, p.fp]), [[Infinity, 0, 0], [0.9, 1, 0], [0.8, 2, 1], [0.3, 2, 2]]);
    assert.deepEqual(c.points.map((p) => [p.tpr, p.fpr]), [[0, 0], [0.5, 0], [1, 0.5], [1, 1]]);
    assert.deepEqual(c.points.map((p) => p.precision), [null, 1, 2 / 3, 0.5]);
    // AP = 0.5·1 + 0.5·(2/3)
    assert.equal(c.averagePrecision, 0.5 + 1 / 3);
    assert.equal(rocPrCurves([0.1, 0.2], [1, 1]), null);
  });

  it('has the trapezoidal area binaryAuc gives, with and without ties', () => {
    const rng = createRng('curves');
    for (const levels of [1000, 5]) {
      const scores = Array.from({ length: 200 }, () => Math.round(rng.next() * levels) / levels);
      const flags = scores.map((s) => rng.next() < 0.3 + 0.4 * s);
      const c = rocPrCurves(scores, flags)!;
      let area = 0;
      for (let i = 1; i < c.points.length; i++) area += ((c.points[i].fpr - c.points[i - 1].fpr) * (c.points[i].tpr + c.points[i - 1].tpr)) / 2;
      assert.ok(Math.abs(area - binaryAuc(scores, flags)!) < 1e-12, `${levels} levels`);
      assert.equal(c.points.at(-1)!.tpr, 1);
      assert.equal(c.points.at(-1)!.fpr, 1);
    }
  });
});
