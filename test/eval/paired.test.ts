/**
 * Paired comparisons against independent computations: exact McNemar against SciPy's binomtest, DeLong against sklearn's
 * roc_auc_score and a numpy DeLong written from the paper's placement values (test/eval/paired-reference.py), Holm
 * and the majority baseline against hand-computed cases, the paired bootstrap against its definition and a
 * reimplementation of its resampling.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { createRng } from '../../src/random.ts';
import {
  accuracy,
  binaryAuc,
  delongTest,
  holm,
  macroAuc,
  majorityBaseline,
  mcnemarExact,
  pairedBootstrap,
  quantileSorted,
  type MetricFn,
} from '../../src/eval/index.ts';

const near = (a: number | null, b: number, tol: number, what = '') => assert.ok(a !== null && Math.abs(a - b) <= tol, `${what} ${a} ≉ ${b}`);
const bits = (s: string) => Array.from(s, (c) => c === '1');

interface McNemarCase { name: string; correctA: string; correctB: string; n01: number; n10: number; pValue: number }
interface DeLongCase { name: string; labels: string; scoresA: number[]; scoresB: number[]; aucA: number; aucB: number; se: number; z: number; pValue: number }
interface HolmCase { p: (number | null)[]; adjusted: (number | null)[] }
interface Reference { mcnemar: McNemarCase[]; delong: DeLongCase[]; holm: HolmCase[] }

function checkMcNemar(c: McNemarCase): void {
  const r = mcnemarExact(bits(c.correctA), bits(c.correctB));
  assert.deepEqual([r.n01, r.n10, r.discordant], [c.n01, c.n10, c.n01 + c.n10], c.name);
  near(r.pValue, c.pValue, 1e-9, c.name); // exact test
}

function checkDeLong(c: DeLongCase): void {
  const r = delongTest(Int32Array.from(c.labels, Number), Float64Array.from(c.scoresA), Float64Array.from(c.scoresB));
  near(r.aucA, c.aucA, 1e-6, `${c.name} aucA`);
  near(r.aucB, c.aucB, 1e-6, `${c.name} aucB`);
  near(r.difference, c.aucA - c.aucB, 1e-6, `${c.name} difference`);
  near(r.se, c.se, 1e-6, `${c.name} se`);
  near(r.z, c.z, 1e-6, `${c.name} z`);
  near(r.pValue, c.pValue, 1e-6 * c.pValue, `${c.name} p (relative)`);
  assert.equal(r.reason, null);
}

function checkHolm(c: HolmCase): void {
  const r = holm(c.p);
  assert.equal(r.length, c.adjusted.length);
  r.forEach((v, i) => (c.adjusted[i] === null ? assert.equal(v, null) : near(v, c.adjusted[i]!, 1e-12, `holm[${i}]`)));
}

describe('paired comparisons against SciPy / scikit-learn (literals from paired-reference.py)', () => {
  const ref = reference();
  for (const c of ref.mcnemar) it(`exact McNemar = scipy binomtest: ${c.name}`, () => checkMcNemar(c));
  for (const c of ref.delong) it(`DeLong: AUC = roc_auc_score, z and p = numpy DeLong: ${c.name}`, () => checkDeLong(c));
  it('Holm = step-down by definition', () => ref.holm.forEach(checkHolm));

  const script = fileURLToPath(new URL('./paired-reference.py', import.meta.url));
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import scipy, sklearn'], { encoding: 'utf8' });
  const skip = probe.status === 0 ? false : '/usr/bin/python3 cannot import scipy and sklearn; the literal reference values above still ran';
  it('live: the script reproduces the literals, and the implementation matches its output', { skip }, () => {
    const run = spawnSync('/usr/bin/python3', [script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    const live = JSON.parse(run.stdout) as Reference;
    const strip = (r: Reference) => ({
      mcnemar: r.mcnemar.map((c) => [c.name, c.correctA, c.correctB]),
      delong: r.delong.map((c) => [c.name, c.labels, c.scoresA, c.scoresB]),
      holm: r.holm.slice(0, 3).map((c) => c.p), // the last Holm case is built from the p-values above
    });
    assert.deepEqual(strip(live), strip(ref), 'inputs differ from the literals: paste the new output into reference()');
    live.mcnemar.forEach(checkMcNemar);
    live.delong.forEach(checkDeLong);
    live.holm.forEach(checkHolm);
  });
});

describe('mcnemarExact', () => {
  it('counts discordant pairs by hand; 0 vs 7 discordant gives p = 2·(½)^7', () => {
    // A: 1 1 1 0 0 1 ; B: 1 0 1 1 0 0 → A-only right at 1, 5 (n10 = 2), B-only right at 3 (n01 = 1)
    const r = mcnemarExact([1, 1, 1, 0, 0, 1], [true, false, true, true, false, false]);
    assert.deepEqual([r.n01, r.n10, r.discordant, r.statistic], [1, 2, 3, 1]);
    near(r.pValue, 1, 1e-12); // Bin(3, ½): every outcome is at most as likely as 2 of 3
    near(mcnemarExact(Array(7).fill(1), Array(7).fill(0)).pValue, 2 / 128, 1e-15);
    near(mcnemarExact(Array(7).fill(0), Array(7).fill(1)).pValue, 2 / 128, 1e-15);
  });
  it('no discordant pair → p = 1; bad input names the fix', () => {
    assert.deepEqual(mcnemarExact([1, 0, 1], [1, 0, 1]), { n01: 0, n10: 0, discordant: 0, pValue: 1, statistic: 0 });
    assert.throws(() => mcnemarExact([1, 2], [1, 0]), /correctA\[1\] is 2; pass true\/false or 1\/0/);
    assert.throws(() => mcnemarExact([1, 0], [1]), /one result per image/);
  });
});

describe('delongTest', () => {
  const labels = Int32Array.from([1, 1, 1, 0, 0, 0, 1, 0]);
  const a = Float64Array.from([0.9, 0.8, 0.4, 0.3, 0.5, 0.1, 0.7, 0.4]);
  const b = Float64Array.from([0.6, 0.9, 0.2, 0.3, 0.2, 0.5, 0.8, 0.7]);

  it('AUCs equal binaryAuc; swapping the models flips z and keeps p', () => {
    const r = delongTest(labels, a, b);
    assert.equal(r.aucA, binaryAuc(a, labels));
    assert.equal(r.aucB, binaryAuc(b, labels));
    const s = delongTest(labels, b, a);
    near(s.z, -r.z!, 1e-15);
    near(s.pValue, r.pValue!, 1e-15);
  });
  it('float32 scores give the same result when they rank the same', () => {
    assert.deepEqual(delongTest(labels, Float32Array.from(a), Float32Array.from(b)), delongTest(labels, a, b));
  });
  it('identical rankings (B a monotone transform of A): se = 0, z undefined, p = 1', () => {
    const r = delongTest(labels, a, a.map((v) => v * v));
    assert.deepEqual([r.difference, r.se, r.z, r.pValue, r.reason], [0, 0, null, 1, null]);
  });
  it('zero variance with different AUCs (perfect vs constant): p null with a reason, never NaN', () => {
    const perfect = Float64Array.from(labels, (y) => (y ? 0.9 : 0.1));
    const r = delongTest(labels, perfect, new Float64Array(8).fill(0.5));
    assert.deepEqual([r.aucA, r.aucB, r.se, r.z, r.pValue], [1, 0.5, 0, null, null]);
    assert.match(r.reason!, /variance is 0/);
  });
  it('one class → AUCs null; one positive → AUCs but no variance', () => {
    const one = delongTest(new Int32Array(3), Float64Array.from([0.1, 0.2, 0.3]), Float64Array.from([0.3, 0.2, 0.1]));
    assert.deepEqual([one.aucA, one.difference, one.se, one.pValue], [null, null, null, null]);
    assert.match(one.reason!, /both classes/);
    const single = delongTest(Int32Array.from([1, 0, 0]), Float64Array.from([0.9, 0.2, 0.3]), Float64Array.from([0.1, 0.2, 0.3]));
    assert.deepEqual([single.aucA, single.aucB, single.se, single.pValue], [1, 0, null, null]);
    assert.match(single.reason!, /at least 2 positives and 2 negatives/);
  });
  it('bad labels and lengths are named', () => {
    assert.throws(() => delongTest(Int32Array.from([0, 2]), new Float64Array(2), new Float64Array(2)), /label 2 at index 1/);
    assert.throws(() => delongTest(Int32Array.from([0, 1]), new Float64Array(2), new Float64Array(3)), /one score per label/);
    assert.throws(() => delongTest(Int32Array.from([0, 1]), Float64Array.from([0, NaN]), new Float64Array(2)), /finite/);
  });
});

describe('pairedBootstrap', () => {
  // 60 binary cases; model A is right on 48, model B on 39, with their errors partly on the same images
  const n = 60;
  const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
  const rowFor = (y: number, right: boolean, conf: number) => (y === 1) === right ? [1 - conf, conf] : [conf, 1 - conf];
  const aRight = (i: number) => i % 5 !== 0;
  const bRight = (i: number) => i % 3 !== 0 && i % 7 !== 1;
  const probsA = Array.from(labels, (y, i) => rowFor(y, aRight(i), 0.55 + (i % 4) * 0.1));
  const probsB = Array.from(labels, (y, i) => rowFor(y, bRight(i), 0.6 + (i % 3) * 0.1));

  it('estimate is metric(A) − metric(B) on the full set, exactly', () => {
    const r = pairedBootstrap(labels, probsA, probsB, 2, 'accuracy', { resamples: 50 });
    assert.equal(r.estimate, accuracy(labels, probsA, 2) - accuracy(labels, probsB, 2));
    const auc = pairedBootstrap(labels, probsA, probsB, 2, macroAuc as MetricFn, { resamples: 50 });
    assert.equal(auc.estimate, macroAuc(labels, probsA, 2)! - macroAuc(labels, probsB, 2)!);
  });
  it('interval and p equal a direct reimplementation of the resampling (same createRng stream, type-7 quantiles)', () => {
    const seed = 11;
    const resamples = 400;
    const r = pairedBootstrap(labels, probsA, probsB, 2, 'accuracy', { seed, resamples });
    const rng = createRng(seed);
    const d: number[] = [];
    for (let b = 0; b < resamples; b++) {
      let ca = 0;
      let cb = 0;
      for (let j = 0; j < n; j++) {
        const i = rng.int(n);
        if (aRight(i)) ca++;
        if (bRight(i)) cb++;
      }
      d.push(ca / n - cb / n);
    }
    d.sort((x, y) => x - y);
    near(r.lo, quantileSorted(d, 0.025), 1e-12);
    near(r.hi, quantileSorted(d, 0.975), 1e-12);
    const le = d.filter((v) => v <= 0).length;
    const ge = d.filter((v) => v >= 0).length;
    assert.equal(r.pValue, Math.min(1, (2 * Math.min(le, ge)) / resamples));
    assert.ok(r.pValue > 0 && r.pValue < 1, String(r.pValue)); // a case where both tails matter
    assert.equal(r.valid, resamples);
  });
  it('same seed → same result, another seed → another; B = 2000 by default', () => {
    const x = pairedBootstrap(labels, probsA, probsB, 2, 'accuracy', { seed: 'a' });
    assert.deepEqual(x, pairedBootstrap(labels, probsA, probsB, 2, 'accuracy', { seed: 'a' }));
    const y = pairedBootstrap(labels, probsA, probsB, 2, 'accuracy', { seed: 'b' });
    assert.notDeepEqual([x.lo, x.hi, x.se, x.pValue], [y.lo, y.hi, y.se, y.pValue]);
    assert.equal(x.resamples, 2000);
  });
  it('identical models: estimate 0, interval [0, 0], p = 1', () => {
    const r = pairedBootstrap(labels, probsA, probsA, 2, 'macroF1', { resamples: 300 });
    assert.deepEqual([r.estimate, r.lo, r.hi, r.pValue], [0, 0, 0, 1]);
  });
  it('A right on every image, B wrong on some: every resampled difference > 0, p = 0', () => {
    const perfect = Array.from(labels, (y) => rowFor(y, true, 0.8));
    const r = pairedBootstrap(labels, perfect, probsB, 2, 'accuracy', { resamples: 500 });
    assert.ok(r.lo > 0, String(r.lo));
    assert.equal(r.pValue, 0);
    const reverse = pairedBootstrap(labels, probsB, perfect, 2, 'accuracy', { resamples: 500 });
    assert.ok(reverse.hi < 0 && reverse.pValue === 0, `${reverse.hi} ${reverse.pValue}`);
  });
  it('resampling is paired: A = B shifted by 0.25 makes every resampled difference 0.25', () => {
    // metric: mean probability of class 1; B's p1 varies over [0, 0.5], so unpaired resamples would spread widely
    const meanP1: MetricFn = (_l, p, k) => {
      let s = 0;
      for (let i = 1; i < p.length; i += k) s += p[i];
      return (s * k) / p.length;
    };
    const pB = Array.from(labels, (_, i) => ((i * 7) % 3) * 0.25).map((p1) => [1 - p1, p1]);
    const pA = pB.map(([, p1]) => [0.75 - p1, p1 + 0.25]);
    const r = pairedBootstrap(labels, pA, pB, 2, meanP1, { resamples: 300 });
    near(r.estimate, 0.25, 1e-12);
    near(r.lo, 0.25, 1e-12);
    near(r.hi, 0.25, 1e-12);
    assert.ok(r.se < 1e-12, String(r.se));
  });
  it('resamples where the metric is undefined for a model are skipped', () => {
    const l = [1, 0, 0, 0, 0];
    const p = [[0.2, 0.8], [0.9, 0.1], [0.6, 0.4], [0.7, 0.3], [0.8, 0.2]];
    const q = [[0.6, 0.4], [0.9, 0.1], [0.5, 0.5], [0.7, 0.3], [0.8, 0.2]];
    const r = pairedBootstrap(l, p, q, 2, 'macroAuc', { resamples: 300 });
    assert.ok(r.valid < 260 && r.valid > 130, String(r.valid)); // the one positive is missed in (4/5)^5 ≈ 33%
    assert.equal(r.estimate, 1 - 3 / 4); // q's positive (0.4) is above 3 of the 4 negatives
  });
});

describe('holm', () => {
  it('hand-computed: sort, multiply by m − i + 1, running max, cap at 1', () => {
    // sorted 0.0625·4 = 0.25, 0.25·3 = 0.75, 0.375·2 = 0.75, 0.5·1 = 0.5 → running max 0.75
    assert.deepEqual(holm([0.25, 0.5, 0.0625, 0.375]), [0.75, 0.75, 0.25, 0.75]);
    // 0.0625·3 = 0.1875, 0.625·2 = 1.25 → 1, 0.75·1 → running max 1.25 → 1
    assert.deepEqual(holm([0.75, 0.0625, 0.625]), [1, 0.1875, 1]);
    // m = 2 (nulls do not count): 0.125·2 = 0.25, 0.25·1 → 0.25
    assert.deepEqual(holm([0.25, null, 0.125]), [0.25, null, 0.25]);
    // ties share the adjusted value: 0.25·3 = 0.75, 0.25·2 → 0.75, 0.5·1 → 0.75
    assert.deepEqual(holm([0.5, 0.25, 0.25]), [0.75, 0.75, 0.75]);
    assert.deepEqual(holm([0.03125]), [0.03125]);
    assert.deepEqual(holm([]), []);
    assert.deepEqual(holm([null, null]), [null, null]);
  });
  it('rejects p outside [0, 1]', () => {
    assert.throws(() => holm([0.1, 1.5]), /index 1 is 1.5/);
    assert.throws(() => holm([NaN]), /in \[0, 1\] or null/);
  });
});

describe('majorityBaseline', () => {
  it('three classes: always 2 → acc 3/6, balanced 1/3, macro-F1 (0 + 0 + 2·3/(6+3))/3 = 2/9, AUC 0.5', () => {
    assert.deepEqual(majorityBaseline(Int32Array.from([0, 1, 1, 2, 2, 2]), 3), {
      majorityClass: 2, accuracy: 0.5, balancedAccuracy: 1 / 3, macroAuc: 0.5, macroF1: 2 / 9,
    });
  });
  it('a tie goes to the lowest class: [1, 0, 1, 0] → 0, F1 (4/6 + 0)/2', () => {
    const r = majorityBaseline(Int32Array.from([1, 0, 1, 0]), 2);
    assert.deepEqual([r.majorityClass, r.accuracy, r.balancedAccuracy, r.macroAuc], [0, 0.5, 0.5, 0.5]);
    near(r.macroF1, 1 / 3, 1e-15);
  });
  it('a class absent from the labels is left out as in balancedAccuracy/macroF1: K = 3, classes {0, 1} present', () => {
    const r = majorityBaseline(Int32Array.from([0, 0, 0, 1]), 3);
    assert.deepEqual([r.majorityClass, r.accuracy, r.balancedAccuracy, r.macroAuc], [0, 0.75, 0.5, 0.5]);
    near(r.macroF1, (6 / 7 + 0) / 2, 1e-15);
  });
  it('one class only: accuracy 1, AUC undefined (null); bad labels named', () => {
    assert.deepEqual(majorityBaseline(Int32Array.from([1, 1, 1]), 2), { majorityClass: 1, accuracy: 1, balancedAccuracy: 1, macroAuc: null, macroF1: 1 });
    assert.throws(() => majorityBaseline(Int32Array.from([0, 3]), 3), /label 3 at index 1/);
  });
});

/** Verbatim output of `/usr/bin/python3 test/eval/paired-reference.py` (SciPy 1.10.1, scikit-learn 1.2.1, NumPy 1.24.2). */
function reference(): Reference {
  return {
    "mcnemar": [
      {
        "name": "n=20",
        "correctA": "10000010101010101111",
        "correctB": "00111001011101011000",
        "n01": 8,
        "n10": 8,
        "pValue": 1.0
      },
      {
        "name": "n=22",
        "correctA": "1111111111111110111111",
        "correctB": "1001001111011011000001",
        "n01": 1,
        "n10": 11,
        "pValue": 0.00634765625
      },
      {
        "name": "n=300",
        "correctA": "111111111111011011111111011001011111111011111110110111101111111111111101110011011101111110011111111101111011101111111011111111111110111011111111111101111011010011111111101111011101111111111110111111111111110111011111111111101111101101111110110111111111011101110011101011111111011111111111100111111101",
        "correctB": "101111110111001001111111010001011010101111111100110111101111111111111101110011011111111010011011111101011011001111111111111011111110111011111111111101111011011001101111101111111101110111111110011110111111010110011111101111111111101001111110110111111110010101110011101011101011011111011111100001111101",
        "n01": 6,
        "n10": 30,
        "pValue": 6.960169412195683e-05
      },
      {
        "name": "no discordant pairs",
        "correctA": "100111111111111111011111010111",
        "correctB": "100111111111111111011111010111",
        "n01": 0,
        "n10": 0,
        "pValue": 1.0
      },
      {
        "name": "one-sided discordance",
        "correctA": "100111111111111111011111010111",
        "correctB": "000000000111111111011111010111",
        "n01": 0,
        "n10": 7,
        "pValue": 0.015625
      }
    ],
    "delong": [
      {
        "name": "n=20, ties",
        "labels": "10011111101010110100",
        "scoresA": [0.6, 0.1, 0.4, 0.8, 0.6, 0.9, 0.6, 0.9, 0.8, 0.5, 1.0, 0.5, 1.0, 0.7, 0.6, 0.3, 0.3, 0.7, 0.3, 0.2],
        "scoresB": [0.9, 0.4, 0.8, 0.4, 0.6, 0.8, 0.6, 0.6, 0.6, 0.8, 0.5, 0.7, 0.7, 0.7, 0.5, 0.4, 0.5, 0.6, 0.6, 0.3],
        "aucA": 0.9010416666666666,
        "aucB": 0.4739583333333333,
        "se": 0.13485878256074474,
        "z": 3.1668929914962063,
        "pValue": 0.0015407700354895294
      },
      {
        "name": "n=300, imbalanced",
        "labels": "000000000010010010000000100000010010000000000010000001000100000000000100001010000000001100000010000001000000010000110000000010010001000000000000010001000000001000100000100000000000000000000000100001000000100001100000010000000000001000000001001000000000000000010011011000000000000000000000000000000001",
        "scoresA": [0.902, 0.52, 0.36, 0.431, 0.721, 0.863, 0.885, 0.123, 0.708, 0.624, 0.679, 0.408, 0.338, 0.621, 0.076, 0.769, 0.838, 0.514, 0.275, 0.362, 0.233, 0.535, 0.262, 0.273, 0.93, 0.31, 0.738, 0.316, 0.9, 0.668, 0.19, 0.616, 0.342, 0.566, 0.767, 0.401, 0.638, 0.523, 0.448, 0.314, 0.375, 0.505, 0.16, 0.308, 0.403, 0.504, 0.961, 0.585, 0.579, 0.324, 0.434, 0.161, 0.563, 0.674, 0.819, 0.465, 0.627, 0.809, 0.795, 0.425, 0.917, 0.694, 0.596, 0.191, 0.184, 0.152, 0.178, 0.248, 0.311, 0.906, 0.773, 0.561, 0.399, 0.62, 0.99, 0.775, 0.372, 0.537, 0.229, 0.554, 0.859, 0.178, 0.845, 0.291, 0.804, 0.184, 0.793, 0.916, 0.594, 0.624, 0.552, 0.289, 0.884, 0.403, 0.453, 0.746, 0.811, 0.489, 0.446, 0.553, 0.644, 0.71, 0.449, 0.764, 0.172, 0.044, 0.252, 0.394, 0.488, 0.569, 0.797, 0.053, 0.487, 0.356, 0.708, 0.867, 0.597, 0.754, 0.402, 0.516, 0.495, 0.34, 0.443, 0.375, 0.59, 0.494, 0.16, 0.713, 0.38, 0.845, 0.294, 0.93, 0.131, 0.048, 0.434, 0.538, 0.689, 0.569, 0.672, 0.708, 0.254, 0.537, 0.875, 0.737, 0.154, 0.899, 0.411, 0.382, 0.184, 0.938, 0.417, 0.719, 0.399, 0.395, 0.361, 0.807, 0.779, 0.287, 0.312, 0.359, 0.41, 0.873, 0.821, 0.385, 0.059, 0.462, 0.433, 0.799, 0.925, 0.429, 0.561, 0.672, 0.767, 0.529, 0.809, 0.815, 0.766, 0.794, 0.573, 0.373, 0.775, 0.211, 0.416, 0.528, 0.89, 0.327, 0.172, 0.29, 0.512, 0.232, 0.195, 0.255, 0.82, 0.693, 0.468, 0.548, 0.513, 0.831, 0.254, 0.447, 0.137, 0.497, 0.548, 0.717, 0.725, 0.026, 0.897, 0.94, 0.681, 0.776, 0.707, 0.784, 0.26, 0.072, 0.862, 0.279, 0.759, 0.552, 0.606, 0.804, 0.426, 0.7, 0.139, 0.846, 0.733, 0.317, 0.573, 0.18, 0.567, 0.604, 0.786, 0.61, 0.448, 0.729, 0.164, 0.354, 0.351, 0.868, 0.793, 0.961, 0.951, 0.802, 0.835, 0.846, 0.213, 0.303, 0.105, 0.47, 0.661, 0.219, 0.563, 0.209, 0.573, 0.705, 0.523, 0.476, 0.837, 0.604, 0.55, 0.835, 0.554, 0.144, 0.945, 0.674, 0.199, 0.425, 0.751, 0.603, 0.718, 0.582, 0.355, 0.183, 0.757, 0.658, 0.743, 0.476, 0.344, 0.589, 0.67, 0.828, 0.265, 0.209, 0.678, 0.811, 0.683, 0.287, 0.221, 0.418, 0.877, 0.139, 0.679, 0.246, 0.474, 0.254, 0.691, 0.326, 0.278, 0.742, 0.943, 0.891],
        "scoresB": [0.807, 0.405, 0.515, 0.235, 0.742, 0.828, 0.732, 0.185, 0.428, 0.374, 0.698, 0.348, 0.234, 0.323, 0.09, 0.776, 0.852, 0.53, 0.152, 0.272, 0.656, 0.518, 0.071, 0.127, 0.973, 0.321, 0.814, 0.242, 0.467, 0.442, 0.333, 0.261, 0.403, 0.618, 0.597, 0.214, 0.907, 0.657, 0.642, 0.46, 0.304, 0.228, 0.38, 0.573, 0.136, 0.621, 0.905, 0.35, 0.41, 0.532, 0.516, 0.569, 0.662, 0.686, 0.63, 0.735, 0.561, 0.893, 0.664, 0.501, 0.602, 0.726, 0.484, 0.624, 0.136, 0.251, 0.094, 0.161, 0.191, 0.952, 0.746, 0.655, 0.576, 0.696, 0.931, 0.749, 0.719, 0.424, 0.103, 0.809, 0.841, 0.2, 0.788, 0.311, 0.837, 0.513, 0.83, 0.795, 0.455, 0.767, 0.684, 0.731, 0.596, 0.352, 0.579, 0.718, 0.777, 0.342, 0.367, 0.464, 0.694, 0.728, 0.731, 0.653, 0.366, 0.041, 0.513, 0.375, 0.444, 0.382, 0.796, 0.128, 0.745, 0.461, 0.592, 0.809, 0.662, 0.426, 0.306, 0.488, 0.362, 0.378, 0.481, 0.201, 0.621, 0.805, 0.165, 0.394, 0.348, 0.887, 0.409, 0.979, 0.208, 0.56, 0.655, 0.516, 0.492, 0.279, 0.575, 0.75, 0.552, 0.775, 0.716, 0.482, 0.287, 0.944, 0.427, 0.422, 0.163, 0.858, 0.425, 0.885, 0.424, 0.446, 0.489, 0.455, 0.781, 0.471, 0.607, 0.699, 0.806, 0.593, 0.701, 0.572, 0.221, 0.413, 0.7, 0.771, 0.626, 0.612, 0.283, 0.626, 0.801, 0.398, 0.415, 0.674, 0.698, 0.472, 0.67, 0.419, 0.869, 0.27, 0.373, 0.545, 0.748, 0.329, 0.424, 0.302, 0.418, 0.391, 0.292, 0.365, 0.853, 0.705, 0.298, 0.711, 0.409, 0.805, 0.424, 0.368, 0.457, 0.322, 0.148, 0.672, 0.499, 0.068, 0.841, 0.76, 0.684, 0.779, 0.63, 0.962, 0.361, 0.096, 0.801, 0.526, 0.561, 0.579, 0.318, 0.576, 0.421, 0.715, 0.647, 0.935, 0.138, 0.309, 0.593, 0.319, 0.439, 0.456, 0.553, 0.497, 0.377, 0.35, 0.401, 0.406, 0.158, 0.671, 0.738, 0.981, 0.901, 0.623, 0.783, 0.838, 0.354, 0.504, 0.417, 0.419, 0.616, 0.273, 0.27, 0.566, 0.508, 0.56, 0.265, 0.368, 0.908, 0.548, 0.593, 0.939, 0.233, 0.11, 0.917, 0.636, 0.371, 0.466, 0.244, 0.45, 0.498, 0.589, 0.272, 0.366, 0.49, 0.439, 0.395, 0.144, 0.457, 0.867, 0.624, 0.93, 0.515, 0.378, 0.675, 0.632, 0.779, 0.123, 0.498, 0.551, 0.71, 0.64, 0.412, 0.629, 0.464, 0.114, 0.519, 0.212, 0.354, 0.779, 0.861, 0.863],
        "aucA": 0.8103082318198598,
        "aucB": 0.7635658914728682,
        "se": 0.03553324964424013,
        "z": 1.3154535770011788,
        "pValue": 0.18835750943978846
      },
      {
        "name": "n=300, heavy ties",
        "labels": "110100000000000000000000010100001001010000000000000100001000100001011100110111000000010000010100010010001101101100111000101001000110010001010001100000110000000001101100000100101000000001011000101000011000011010011001101110100000110111111001010001100011010101001100101001100110111011000010011010010100",
        "scoresA": [0.75, 0.5, 0.5, 0.875, 0.375, 0.375, 0.25, 0.125, 0.125, 0.375, 0.75, 0.5, 0.375, 0.25, 0.0, 0.75, 0.5, 0.25, 0.75, 0.75, 0.125, 0.5, 0.125, 0.0, 0.375, 0.75, 0.375, 0.375, 0.0, 0.25, 0.5, 0.25, 0.625, 0.5, 0.125, 0.75, 0.25, 0.375, 0.375, 0.125, 0.0, 0.125, 0.125, 0.5, 0.0, 0.25, 0.625, 0.625, 0.5, 0.0, 0.125, 0.125, 0.0, 0.5, 0.25, 0.5, 0.875, 0.0, 0.875, 0.0, 0.625, 0.375, 0.5, 0.375, 0.0, 0.375, 0.5, 0.375, 0.75, 0.875, 0.875, 0.0, 0.125, 1.0, 0.375, 0.375, 0.875, 0.25, 0.375, 0.0, 0.625, 0.25, 0.5, 0.0, 0.0, 0.375, 0.125, 0.625, 0.625, 0.375, 0.125, 0.25, 0.0, 0.75, 0.375, 0.0, 0.125, 0.375, 0.375, 0.25, 0.75, 0.0, 0.125, 0.625, 0.625, 0.875, 0.25, 1.0, 0.375, 0.25, 0.75, 0.625, 0.125, 0.0, 0.625, 0.5, 0.625, 0.5, 0.375, 0.75, 1.0, 0.25, 0.625, 0.5, 0.625, 0.125, 0.0, 0.25, 0.25, 0.375, 0.75, 0.0, 0.0, 0.75, 0.125, 0.25, 0.625, 0.375, 0.375, 0.75, 0.125, 0.25, 0.375, 0.5, 0.875, 0.375, 0.375, 0.5, 0.5, 0.5, 1.0, 0.75, 0.625, 0.625, 0.125, 0.25, 0.375, 0.25, 0.625, 0.5, 0.5, 0.0, 0.75, 0.5, 0.75, 0.625, 0.125, 0.5, 0.625, 0.5, 0.75, 0.75, 0.25, 0.0, 0.625, 0.125, 0.875, 0.25, 0.625, 0.375, 0.625, 0.5, 0.25, 0.125, 0.0, 0.5, 0.25, 0.375, 0.625, 0.25, 0.75, 0.125, 0.875, 0.0, 0.75, 0.625, 0.625, 0.5, 0.0, 0.875, 1.0, 0.0, 0.5, 0.25, 0.625, 0.75, 0.625, 0.5, 0.375, 0.625, 0.25, 0.875, 0.625, 0.5, 0.125, 0.625, 0.625, 0.25, 0.75, 0.25, 0.875, 0.25, 0.625, 0.5, 0.75, 0.625, 0.0, 0.125, 0.5, 0.625, 0.375, 0.5, 0.625, 0.25, 0.375, 0.375, 0.75, 0.25, 0.375, 0.75, 0.625, 0.25, 0.25, 0.375, 0.25, 0.5, 1.0, 0.375, 0.125, 0.125, 0.5, 0.375, 0.0, 0.375, 0.375, 0.5, 0.25, 1.0, 0.5, 0.5, 0.75, 0.625, 0.125, 0.875, 0.625, 0.25, 0.875, 0.375, 0.25, 0.875, 0.25, 0.0, 0.625, 0.25, 0.75, 0.625, 0.875, 0.5, 0.375, 0.125, 0.25, 0.375, 0.375, 0.375, 0.5, 0.375, 1.0, 0.625, 0.125, 0.375, 0.375, 0.125, 0.75, 0.5, 0.25, 0.75, 0.625, 0.375, 0.5, 0.5],
        "scoresB": [1.0, 0.75, 0.5, 0.875, 0.375, 0.375, 0.25, 0.5, 0.125, 0.25, 0.75, 0.25, 0.25, 0.5, 0.0, 0.25, 0.5, 0.25, 0.75, 1.0, 0.0, 0.5, 0.125, 0.0, 1.0, 0.75, 0.375, 0.75, 0.25, 0.25, 0.5, 0.25, 0.625, 0.5, 0.125, 0.75, 0.5, 0.5, 0.375, 0.5, 0.0, 0.25, 0.0, 0.25, 0.5, 0.25, 0.625, 0.625, 0.75, 0.75, 0.125, 0.125, 0.0, 0.5, 0.25, 0.5, 0.875, 0.25, 0.25, 0.0, 0.75, 0.75, 0.5, 0.375, 0.0, 0.5, 0.5, 0.375, 0.25, 0.75, 0.875, 0.0, 0.5, 0.25, 0.75, 0.5, 0.75, 0.25, 0.375, 1.0, 0.625, 0.5, 0.25, 0.75, 0.0, 0.375, 0.125, 0.75, 0.625, 0.75, 0.5, 0.25, 0.0, 0.75, 1.0, 0.0, 0.125, 0.375, 0.0, 0.75, 1.0, 0.25, 0.125, 0.25, 0.75, 0.25, 0.25, 0.25, 0.5, 0.5, 1.0, 0.75, 0.0, 1.0, 0.625, 0.5, 0.625, 0.75, 0.375, 0.75, 0.75, 0.0, 0.625, 0.5, 0.625, 0.5, 0.0, 0.25, 0.75, 0.25, 0.75, 0.0, 0.0, 0.25, 0.125, 0.25, 0.0, 0.375, 1.0, 0.25, 0.25, 0.25, 0.375, 0.25, 0.875, 0.75, 0.375, 0.5, 1.0, 0.5, 1.0, 0.75, 0.625, 0.625, 0.125, 0.25, 0.5, 0.25, 0.5, 0.75, 0.75, 0.0, 0.75, 1.0, 0.75, 0.625, 0.25, 0.5, 0.25, 1.0, 0.75, 0.25, 0.25, 0.25, 0.25, 0.125, 0.25, 0.75, 0.0, 0.375, 0.625, 0.5, 0.25, 0.125, 0.0, 0.5, 0.25, 0.375, 0.625, 0.25, 1.0, 0.75, 0.75, 0.0, 0.0, 0.0, 0.5, 1.0, 0.0, 0.25, 1.0, 0.5, 0.5, 0.25, 0.625, 0.75, 0.625, 0.5, 0.375, 0.625, 0.25, 0.5, 0.0, 0.5, 0.125, 0.625, 0.5, 0.25, 0.25, 0.25, 0.25, 0.25, 0.625, 0.75, 0.5, 0.75, 0.25, 0.5, 0.25, 0.25, 0.0, 0.25, 0.625, 0.25, 0.75, 0.375, 0.75, 0.25, 0.375, 0.5, 0.75, 0.75, 0.5, 0.5, 0.5, 0.5, 0.75, 0.375, 0.25, 0.5, 1.0, 0.375, 0.0, 0.375, 0.25, 0.5, 0.25, 1.0, 0.5, 0.5, 0.75, 0.625, 0.125, 0.25, 0.625, 0.0, 0.875, 1.0, 0.75, 0.875, 0.5, 0.0, 0.625, 0.5, 0.5, 0.625, 0.875, 0.5, 0.375, 0.125, 0.5, 0.375, 0.375, 0.375, 1.0, 0.375, 1.0, 0.625, 0.125, 0.375, 0.75, 0.75, 0.75, 0.5, 0.25, 0.5, 0.625, 0.25, 0.5, 0.5],
        "aucA": 0.7822865720788339,
        "aucB": 0.6426081061449809,
        "se": 0.031935513359756716,
        "z": 4.3737661067276825,
        "pValue": 1.2212121994241148e-05
      }
    ],
    "holm": [
      {
        "p": [0.01, 0.04, 0.03, 0.005],
        "adjusted": [0.03, 0.06, 0.06, 0.02]
      },
      {
        "p": [0.02, null, 0.5, 0.01, null, 0.04],
        "adjusted": [0.06, null, 0.5, 0.04, null, 0.08]
      },
      {
        "p": [0.3, 0.3, 0.01, 0.8],
        "adjusted": [0.8999999999999999, 0.8999999999999999, 0.04, 0.8999999999999999]
      },
      {
        "p": [1.0, 0.00634765625, 6.960169412195683e-05, 1.0, 0.015625, 0.0015407700354895294, 0.18835750943978846, 1.2212121994241148e-05],
        "adjusted": [1.0, 0.03173828125, 0.0004872118588536978, 1.0, 0.0625, 0.009244620212937177, 0.5650725283193654, 9.769697595392918e-05]
      }
    ]
  };
}
