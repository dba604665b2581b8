/**
 * Train / val / test splits. The source's own split is used when it has one (MedMNIST keys, split folders, a CSV
 * split column); a missing val (or test) split is carved out of train. Otherwise splits are drawn by seed: stratified
 * per class, or — when the source has a group (patient) column — by whole groups, so that no group is in two splits,
 * keeping each split's class mix close to the whole. `splitRecord` is what a run saves to say which split it used.
 */
import { createHash } from 'node:crypto';
import { createRng, shuffledIndices, type Rng } from '../random.ts';
import { UsageError } from '../errors.ts';
import { SPLIT_NAMES, type Dataset, type SplitName } from './types.ts';

export interface SplitRatios { train: number; val: number; test: number }
export const DEFAULT_RATIOS: SplitRatios = { train: 0.7, val: 0.1, test: 0.2 };

export type SplitMethod = 'official' | 'official+carved' | 'stratified' | 'group-stratified';

export interface Splits {
  train: number[];
  val: number[];
  test: number[];
  method: SplitMethod;
  seed: number | string;
  ratios: SplitRatios;
}

export interface SplitOptions {
  seed: number | string;
  ratios?: SplitRatios;
  /** Use the source's split when it has one (default true). */
  useOfficial?: boolean;
}

/** The stratification key of sample i: its class, or for multi-label its first positive class (−1 if none). */
function strataOf(ds: Dataset): Int32Array {
  if (ds.labelWidth === 1) return ds.labels;
  const out = new Int32Array(ds.size);
  for (let i = 0; i < ds.size; i++) {
    let k = -1;
    for (let c = 0; c < ds.labelWidth; c++) if (ds.labels[i * ds.labelWidth + c]) { k = c; break; }
    out[i] = k;
  }
  return out;
}

function checkRatios(r: SplitRatios): void {
  const vals = [r.train, r.val, r.test];
  if (vals.some((v) => !(v >= 0)) || r.train <= 0 || Math.abs(vals.reduce((a, b) => a + b, 0) - 1) > 1e-6) {
    throw new UsageError(`split ratios must be non-negative, train > 0, and sum to 1; got train ${r.train}, val ${r.val}, test ${r.test}`);
  }
}

/** Splits `indices` stratified by class with the given ratios. */
function stratified(indices: number[], strata: Int32Array, ratios: SplitRatios, rng: Rng): Record<SplitName, number[]> {
  const byClass = new Map<number, number[]>();
  for (const i of indices) {
    const k = strata[i];
    if (!byClass.has(k)) byClass.set(k, []);
    byClass.get(k)!.push(i);
  }
  const out: Record<SplitName, number[]> = { train: [], val: [], test: [] };
  for (const k of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = byClass.get(k)!;
    const order = shuffledIndices(members.length, rng).map((j) => members[j]);
    const n = order.length;
    let nTest = Math.round(n * ratios.test);
    let nVal = Math.round(n * ratios.val);
    if (ratios.test > 0 && nTest === 0 && n >= 3) nTest = 1;
    if (ratios.val > 0 && nVal === 0 && n >= 3) nVal = 1;
    if (nTest + nVal >= n) { nTest = Math.min(nTest, Math.max(0, n - 1)); nVal = Math.max(0, Math.min(nVal, n - 1 - nTest)); }
    out.test.push(...order.slice(0, nTest));
    out.val.push(...order.slice(nTest, nTest + nVal));
    out.train.push(...order.slice(nTest + nVal));
  }
  for (const s of SPLIT_NAMES) out[s].sort((a, b) => a - b);
  return out;
}

/** Assigns whole groups to splits, greedily keeping each split's per-class counts near ratio × class total. */
function groupStratified(indices: number[], strata: Int32Array, groups: readonly string[], ratios: SplitRatios, rng: Rng): Record<SplitName, number[]> {
  const members = new Map<string, number[]>();
  for (const i of indices) {
    const g = groups[i];
    if (!members.has(g)) members.set(g, []);
    members.get(g)!.push(i);
  }
  const classes = [...new Set(indices.map((i) => strata[i]))].sort((a, b) => a - b);
  const ci = new Map(classes.map((c, k) => [c, k]));
  const totals = new Float64Array(classes.length);
  for (const i of indices) totals[ci.get(strata[i])!]++;
  const names = [...members.keys()].sort();
  const shuffled = shuffledIndices(names.length, rng).map((j) => names[j]);
  // Largest groups first (stable on the shuffled order) so the small ones can even out the counts.
  const order = shuffled.map((g, k) => ({ g, k, n: members.get(g)!.length })).sort((a, b) => b.n - a.n || a.k - b.k);
  const ratio = [ratios.train, ratios.val, ratios.test];
  const count = SPLIT_NAMES.map(() => new Float64Array(classes.length));
  const out: Record<SplitName, number[]> = { train: [], val: [], test: [] };
  for (const { g } of order) {
    const comp = new Float64Array(classes.length);
    for (const i of members.get(g)!) comp[ci.get(strata[i])!]++;
    let best = -1;
    let bestCost = Infinity;
    for (let s = 0; s < 3; s++) {
      if (ratio[s] === 0) continue;
      let cost = 0;
      for (let c = 0; c < classes.length; c++) {
        const target = ratio[s] * totals[c];
        cost += comp[c] * (2 * (count[s][c] - target) + comp[c]) / Math.max(target, 1);
      }
      if (cost < bestCost - 1e-12) { bestCost = cost; best = s; }
    }
    for (let c = 0; c < classes.length; c++) count[best][c] += comp[c];
    out[SPLIT_NAMES[best]].push(...members.get(g)!);
  }
  for (const s of SPLIT_NAMES) out[s].sort((a, b) => a - b);
  return out;
}

export function makeSplits(ds: Dataset, opts: SplitOptions): Splits {
  const ratios = opts.ratios ?? DEFAULT_RATIOS;
  checkRatios(ratios);
  const rng = createRng(`${opts.seed}:split`);
  const strata = strataOf(ds);
  const all = Array.from({ length: ds.size }, (_, i) => i);
  const split = (idx: number[], r: SplitRatios) => (ds.groups ? groupStratified(idx, strata, ds.groups, r, rng) : stratified(idx, strata, r, rng));
  if (ds.officialSplit && opts.useOfficial !== false) {
    const out: Record<SplitName, number[]> = { train: [], val: [], test: [] };
    ds.officialSplit.forEach((s, i) => out[s].push(i));
    const missing = SPLIT_NAMES.filter((s) => s !== 'train' && out[s].length === 0 && ratios[s] > 0);
    if (out.train.length === 0) throw new UsageError(`${ds.source}: the source's own split (its split column or train/val/test folders) has no training samples; put some in its training split, or leave the split out so medft splits by ratio`);
    if (missing.length === 0) return { ...out, method: 'official', seed: opts.seed, ratios };
    // Carve the missing split(s) out of train, in proportion to the ratios.
    const keep = ratios.train + missing.reduce((a, s) => a + ratios[s], 0);
    const r: SplitRatios = { train: ratios.train / keep, val: missing.includes('val') ? ratios.val / keep : 0, test: missing.includes('test') ? ratios.test / keep : 0 };
    const carved = split(out.train, r);
    return { train: carved.train, val: missing.includes('val') ? carved.val : out.val, test: missing.includes('test') ? carved.test : out.test, method: 'official+carved', seed: opts.seed, ratios };
  }
  const s = split(all, ratios);
  return { ...s, method: ds.groups ? 'group-stratified' : 'stratified', seed: opts.seed, ratios };
}

/** Per-split class counts (single-label: counts per class; multi-label: positives per class). */
export function classCounts(ds: Dataset, indices: readonly number[]): number[] {
  const counts = new Array<number>(ds.classNames.length).fill(0);
  for (const i of indices) {
    if (ds.labelWidth === 1) counts[ds.labels[i]]++;
    else for (let c = 0; c < ds.labelWidth; c++) counts[c] += ds.labels[i * ds.labelWidth + c];
  }
  return counts;
}

/**
 * Class weights for an imbalanced training split: n / (k · n_c) (sklearn's "balanced"); 0 for absent classes.
 * Multi-label: the positive-class weight n_neg / n_pos per class.
 */
export function classWeights(ds: Dataset, indices: readonly number[]): number[] {
  const counts = classCounts(ds, indices);
  const n = indices.length;
  if (ds.labelWidth > 1) return counts.map((p) => (p > 0 ? (n - p) / p : 0));
  const k = counts.filter((c) => c > 0).length;
  return counts.map((c) => (c > 0 ? n / (k * c) : 0));
}

export interface SplitRecord {
  dataset: string;
  source: string;
  method: SplitMethod;
  seed: number | string;
  ratios: SplitRatios;
  classNames: string[];
  splits: Record<SplitName, { size: number; classCounts: number[]; groups?: number; sha256: string; ids: string[] }>;
}

/** The split actually used, in a form a run saves next to its results (ids identify each sample in its source). */
export function splitRecord(ds: Dataset, s: Splits): SplitRecord {
  const splits = {} as SplitRecord['splits'];
  for (const name of SPLIT_NAMES) {
    const ids = s[name].map((i) => ds.sampleId(i));
    const h = createHash('sha256');
    for (const id of ids) h.update(`${id}\n`);
    splits[name] = {
      size: ids.length,
      classCounts: classCounts(ds, s[name]),
      groups: ds.groups ? new Set(s[name].map((i) => ds.groups![i])).size : undefined,
      sha256: h.digest('hex'),
      ids,
    };
  }
  return { dataset: ds.name, source: ds.source, method: s.method, seed: s.seed, ratios: s.ratios, classNames: [...ds.classNames], splits };
}
