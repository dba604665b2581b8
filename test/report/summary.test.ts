/**
 * The report's first screen from a store of known predictions (1 case × 4 strategies, one seed, 60 test images of
 * which 45 are class 0): the strategy chosen on validation, its test value with the bootstrap interval, and which
 * strategies are not distinguishable from it or from the majority class — every number equal to src/eval called
 * here on the stored predictions; differences in plain words; no percentages of a single case.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRng } from '../../src/random.ts';
import { bootstrapCI, evaluateClassification, holm, mcnemarExact, predictClasses } from '../../src/eval/index.ts';
import { expandCells, type Cell } from '../../src/experiment/cells.ts';
import { parseExperiment } from '../../src/experiment/spec.ts';
import { ResultsStore, type CellResult } from '../../src/experiment/store.ts';
import { writeReport, type WrittenReport } from '../../src/report/index.ts';
import type { SplitPredictions } from '../../src/train/predict.ts';
import { tempDir } from '../data/fixtures.ts';

const dir = tempDir('medft-summary-');
const STRATEGIES = ['ft', 'lp', 'lp-ft', 'auto-rgn'];
const spec = parseExperiment({ name: 'first-screen', datasets: ['breastmnist'], models: ['tiny_cnn'], strategies: STRATEGIES, seeds: [0], epochs: 2 }, 'fs.yaml');
const cells = expandCells(spec, 'fs.yaml');
const CASE = 'breastmnist × tiny_cnn';
const N = 60;
const LABELS = Array.from({ length: N }, (_, i) => (i % 4 === 3 ? 1 : 0));
/** Images right out of 60 on validation (lp-ft best) and on test (auto-rgn highest, lp below the majority's 45). */
const VAL: Record<string, number> = { ft: 50, lp: 30, 'lp-ft': 55, 'auto-rgn': 52 };
const TEST: Record<string, number> = { ft: 51, lp: 30, 'lp-ft': 53, 'auto-rgn': 54 };

function predictions(c: Cell, split: 'val' | 'test'): SplitPredictions {
  const rng = createRng(`${c.id}:${split}:summary`);
  const order = LABELS.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) { const j = rng.int(i + 1); [order[i], order[j]] = [order[j], order[i]]; }
  const isRight = new Set(order.slice(0, (split === 'val' ? VAL : TEST)[c.config.strategy.id]));
  const probabilities = LABELS.flatMap((y, i) => {
    const pTrue = isRight.has(i) ? 0.55 + 0.4 * rng.next() : 0.05 + 0.4 * rng.next();
    return y === 1 ? [1 - pTrue, pTrue] : [pTrue, 1 - pTrue];
  });
  return { numClasses: 2, sampleIds: LABELS.map((_, i) => `${split}[${i}]`), labels: LABELS, probabilities };
}

const CLASSES = ['malignant', 'normal, benign'];
function result(c: Cell): CellResult {
  const val = predictions(c, 'val');
  const test = predictions(c, 'test');
  return {
    val: evaluateClassification(val.labels, val.probabilities, 2, { classNames: CLASSES }),
    test: evaluateClassification(test.labels, test.probabilities, 2, { classNames: CLASSES }),
    bestEpoch: 1, history: [], timings: { total: 1 },
    environment: { data: { source: '/data/breastmnist.npz', method: 'official', classNames: CLASSES, splits: { test: { size: N, classCounts: [45, 15], sha256: 'ab'.repeat(32) } } } },
    predictions: { val, test },
  };
}

const cellOf = (s: string) => cells.find((c) => c.config.strategy.id === s)!;
const correct = (p: SplitPredictions) => { const pred = predictClasses(p.probabilities, 2); return p.labels.map((y, i) => y === pred[i]); };

describe('the first screen: which strategy to use, and how sure', () => {
  let r: WrittenReport;
  let html = '';
  let md = '';
  before(async () => {
    const store = new ResultsStore(join(dir, 'results.db'));
    store.registerExperiment('exp', spec.name, 'fs.yaml', spec, cells);
    for (const c of cells) { store.markRunning(c.id); store.recordDone(c.id, result(c)); }
    store.close();
    r = await writeReport(dir);
    html = readFileSync(r.htmlPath, 'utf8');
    md = readFileSync(r.markdownPath, 'utf8');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('names the strategy chosen on validation, with its test value and bootstrap interval', () => {
    assert.equal(r.summaries.length, 1);
    const s = r.summaries[0];
    const bestOnVal = STRATEGIES.reduce((a, b) => (VAL[b] > VAL[a] ? b : a));
    assert.equal(s.best.strategy, bestOnVal);
    const p = predictions(cellOf(bestOnVal), 'test');
    const ci = bootstrapCI(p.labels, p.probabilities, 2, 'accuracy', { resamples: 1000, seed: 0, level: 0.95 });
    assert.equal(s.best.test, TEST[bestOnVal] / N);
    assert.equal(s.best.interval!.lo, ci.lo);
    assert.equal(s.best.interval!.hi, ci.hi);
    assert.equal(s.best.images, N);
    assert.equal(s.majority!.value, 45 / N);
    assert.equal(s.majority!.className, 'malignant');
    const use = r.headline[0];
    assert.ok(use.startsWith(`${CASE}: use ${bestOnVal} `), use);
    assert.ok(use.includes(`[${ci.lo.toFixed(3)}, ${ci.hi.toFixed(3)}]`), use);
  });

  it('sorts the other strategies by the paired test against the chosen one and against the majority class (Holm p ≥ 0.05)', () => {
    const s = r.summaries[0];
    const best = s.best.strategy;
    const others = STRATEGIES.filter((x) => x !== best);
    const bestRight = correct(predictions(cellOf(best), 'test'));
    const vsBest = holm(others.map((x) => mcnemarExact(correct(predictions(cellOf(x), 'test')), bestRight).pValue));
    assert.deepEqual(s.versusBest.map((v) => v.strategy), others);
    others.forEach((x, i) => {
      const v = s.versusBest[i];
      assert.equal(v.holm[0].p, vsBest[i]);
      assert.equal(v.verdict, vsBest[i]! >= 0.05 ? 'not distinguishable' : 'different', x);
      assert.ok(Math.abs(v.difference! - (TEST[x] - TEST[best]) / N) < 1e-12);
    });
    assert.ok(s.versusBest.some((v) => v.verdict === 'different') && s.versusBest.some((v) => v.verdict === 'not distinguishable'), 'the fixture exercises both');
    const majorityRight = LABELS.map((y) => y === 0);
    const vsMajority = holm(STRATEGIES.map((x) => mcnemarExact(correct(predictions(cellOf(x), 'test')), majorityRight).pValue));
    STRATEGIES.forEach((x, i) => {
      assert.equal(s.versusMajority[i].strategy, x);
      assert.equal(s.versusMajority[i].holm[0].p, vsMajority[i]);
    });
    // The sentences list exactly those strategies, each with its difference in plain words.
    const same = r.headline.find((l) => l.startsWith(`${CASE}: not distinguishable from ${best} `))!;
    const differ = r.headline.find((l) => l.startsWith(`${CASE}: distinguishable from ${best} `))!;
    others.forEach((x, i) => {
      const d = (TEST[x] - TEST[best]) / N;
      const words = `${x} (${Math.abs(100 * d).toFixed(1)} points ${d > 0 ? 'higher' : 'lower'} than ${best}, Holm p `;
      assert.ok((vsBest[i]! >= 0.05 ? same : differ).includes(words), `${words} in ${vsBest[i]! >= 0.05 ? same : differ}`);
    });
    const floor = r.headline.find((l) => l.startsWith(`${CASE}: not distinguishable from always answering 'malignant'`));
    const atFloor = STRATEGIES.filter((_, i) => vsMajority[i]! >= 0.05);
    if (atFloor.length) assert.ok(floor!.endsWith(`: ${atFloor.join(', ')}`), floor);
    else assert.equal(floor, undefined);
  });

  it('puts this at the top of index.html and report.md, replacing the old headline, with no percentage of one case', () => {
    const h2 = [...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]);
    assert.equal(h2[0], 'Which strategy to use');
    assert.equal(h2[1], 'Each strategy against ft, across cases');
    assert.ok(!h2.includes('Headline'));
    assert.match(html, new RegExp(`<section class="summary" data-case="${CASE}"><h3>${CASE}</h3><ul class="headline"><li>use ${s0()} `));
    assert.ok(md.indexOf('## Which strategy to use') < md.indexOf('## Test accuracy per strategy and case'));
    assert.ok(!md.includes('## Headline'));
    // One case: counts stay counts — no share in percent, no sign test.
    const improves = /<table id="table-improves">([\s\S]*?)<\/table>/.exec(html)![1];
    assert.ok(!/\d%/.test(improves.replace(/\(.\d+\.\d% relative\)/g, '')), 'no share of cases in percent');
    assert.match(improves, /data-wins="\d" data-cases="1"[^>]*>\d of 1<\/td><td>–<\/td><td>\d \/ \d<\/td><td>–<\/td>/);
    for (const l of r.headline.slice(-3)) assert.ok(!/%/.test(l) && !/improves in/.test(l), l);
    const lp = r.headline.find((l) => l.startsWith('lp: '))!;
    assert.equal(lp, `lp: ${(100 * (TEST.ft - TEST.lp) / N).toFixed(1)} points lower than ft in test accuracy on ${CASE} (one case: nothing to count across cases)`);
  });

  const s0 = () => r.summaries[0].best.strategy;
});
