import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors.ts';
import { classCounts, classWeights, makeSplits, splitRecord } from '../../src/data/splits.ts';
import type { Dataset, SplitName } from '../../src/data/types.ts';

function fake(labels: number[], extra: Partial<Dataset> = {}): Dataset {
  return {
    name: 'fake', kind: 'csv', source: '/fake.csv', classNames: ['a', 'b', 'c'], task: 'multi-class', size: labels.length,
    labels: Int32Array.from(labels), labelWidth: 1, skipped: [], sampleId: (i) => `s${i}`, filePath: () => null,
    load: async () => { throw new Error('no pixels'); }, close: async () => {}, ...extra,
  };
}

test('stratified split by seed: per-class 70/10/20, disjoint, complete, deterministic', () => {
  const labels = [...Array(100).fill(0), ...Array(50).fill(1), ...Array(10).fill(2)];
  const ds = fake(labels);
  const s = makeSplits(ds, { seed: 42 });
  assert.equal(s.method, 'stratified');
  assert.deepEqual(classCounts(ds, s.train), [70, 35, 7]);
  assert.deepEqual(classCounts(ds, s.val), [10, 5, 1]);
  assert.deepEqual(classCounts(ds, s.test), [20, 10, 2]);
  assert.deepEqual([...s.train, ...s.val, ...s.test].sort((a, b) => a - b), labels.map((_, i) => i));
  assert.deepEqual(makeSplits(ds, { seed: 42 }), s);
  assert.notDeepEqual(makeSplits(ds, { seed: 43 }).test, s.test);
  const r = makeSplits(ds, { seed: 1, ratios: { train: 0.5, val: 0.25, test: 0.25 } });
  assert.deepEqual(classCounts(ds, r.val), [25, 13, 3]);
  assert.throws(() => makeSplits(ds, { seed: 1, ratios: { train: 0.5, val: 0.2, test: 0.2 } }), UsageError);
});

test('official split used as given; a missing val split is carved out of train (stratified), test untouched', () => {
  const labels = Array.from({ length: 120 }, (_, i) => i % 2);
  const official: SplitName[] = labels.map((_, i) => (i < 100 ? 'train' : 'test'));
  const ds = fake(labels, { officialSplit: official, classNames: ['a', 'b'] });
  const s = makeSplits(ds, { seed: 5 });
  assert.equal(s.method, 'official+carved');
  assert.deepEqual(s.test, Array.from({ length: 20 }, (_, i) => 100 + i));
  // val takes 0.1 / (0.7 + 0.1) of train per class: 50 × 0.125 = 6.25 → 6 each.
  assert.deepEqual(classCounts(ds, s.val), [6, 6]);
  assert.equal(s.train.length + s.val.length, 100);
  assert.ok(s.val.every((i) => i < 100));
  assert.equal(makeSplits(ds, { seed: 5, useOfficial: false }).method, 'stratified');
  const rec = splitRecord(ds, s);
  assert.deepEqual([rec.splits.train.size, rec.splits.val.size, rec.splits.test.size], [88, 12, 20]);
  assert.equal(rec.method, 'official+carved');
});

test('class weights: balanced n / (k · n_c), absent classes 0; multi-label: negatives / positives', () => {
  const ds = fake([0, 0, 0, 1]);
  assert.deepEqual(classWeights(ds, [0, 1, 2, 3]), [4 / 6, 2, 0]);
  const ml = fake([], { size: 4, labels: Int32Array.from([1, 0, 1, 1, 0, 0, 1, 0]), labelWidth: 2, classNames: ['x', 'y'] });
  assert.deepEqual(classWeights(ml, [0, 1, 2, 3]), [1 / 3, 3]);
});
