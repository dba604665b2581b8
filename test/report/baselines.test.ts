/**
 * The report's floor and uncertainty from a store filled with known per-image predictions (1 case × 3 strategies ×
 * 2 seeds, 40 test images of which 30 are class 0; lp is built to score below the majority class, one lp-ft cell was
 * recorded without predictions as an older medft would): the majority-class baseline in the main table and the
 * headline, every cell below it flagged, each cell's bootstrap interval, and the paired tests on the test images — all
 * equal to src/eval called here on the stored predictions.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRng } from '../../src/random.ts';
import { bootstrapCI, delongTest, evaluateClassification, holm, majorityBaseline, mcnemarExact, predictClasses } from '../../src/eval/index.ts';
import { expandCells, type Cell } from '../../src/experiment/cells.ts';
import { parseExperiment } from '../../src/experiment/spec.ts';
import { ResultsStore, type CellResult } from '../../src/experiment/store.ts';
import { writeReport } from '../../src/report/index.ts';
import type { SplitPredictions } from '../../src/train/predict.ts';
import { tempDir } from '../data/fixtures.ts';

const dir = tempDir('medft-baselines-');
const spec = parseExperiment({ name: 'floor', datasets: ['breastmnist'], models: ['tiny_cnn'], strategies: ['ft', 'lp', 'lp-ft'], seeds: [0, 1], epochs: 2 }, 'floor.yaml');
const cells = expandCells(spec, 'floor.yaml');
const CASE = 'breastmnist × tiny_cnn';
const LABELS = Array.from({ length: 40 }, (_, i) => (i % 4 === 3 ? 1 : 0));
/** Images each strategy gets right, out of 40 (majority class: 30). */
const RIGHT: Record<string, number> = { ft: 34, lp: 26, 'lp-ft': 36 };
const withoutPredictions = cells.find((c) => c.config.strategy.id === 'lp-ft' && c.config.seed === 1)!;

/** Predictions right on a seeded choice of RIGHT images (one more with seed 1), with seeded confidences. */
function predictions(c: Cell): SplitPredictions {
  const rng = createRng(`${c.id}:floor`);
  const right = RIGHT[c.config.strategy.id] + c.config.seed;
  const order = LABELS.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) { const j = rng.int(i + 1); [order[i], order[j]] = [order[j], order[i]]; }
  const isRight = new Set(order.slice(0, right));
  const probabilities = LABELS.flatMap((y, i) => {
    const pTrue = isRight.has(i) ? 0.55 + 0.4 * rng.next() : 0.05 + 0.4 * rng.next();
    return y === 1 ? [1 - pTrue, pTrue] : [pTrue, 1 - pTrue];
  });
  return { numClasses: 2, sampleIds: LABELS.map((_, i) => `test[${i}]`), labels: LABELS, probabilities };
}

function result(c: Cell): CellResult {
  const p = predictions(c);
  const report = evaluateClassification(p.labels, p.probabilities, 2, { classNames: ['malignant', 'normal, benign'] });
  return {
    val: report, test: report, bestEpoch: 1, history: [], timings: { total: 1 },
    environment: { data: { source: '/data/breastmnist.npz', method: 'official', classNames: ['malignant', 'normal, benign'], splits: { test: { size: 40, classCounts: [30, 10], sha256: 'ab'.repeat(32) } } } },
    ...(c.id === withoutPredictions.id ? {} : { predictions: { val: p, test: p } }),
  };
}

const table = (html: string, id: string) => new RegExp(`<table id="table-${id}">([\\s\\S]*?)</table>`).exec(html)![1];
const num = (s: string) => (s === '' ? null : Number(s));

describe('majority baseline, intervals and paired tests in the report', () => {
  let html = '';
  let md = '';
  let headline: string[] = [];
  before(async () => {
    const store = new ResultsStore(join(dir, 'results.db'));
    store.registerExperiment('exp', spec.name, 'floor.yaml', spec, cells);
    for (const c of cells) { store.markRunning(c.id); store.recordDone(c.id, result(c)); }
    store.close();
    const r = await writeReport(dir);
    html = readFileSync(r.htmlPath, 'utf8');
    md = readFileSync(r.markdownPath, 'utf8');
    headline = r.headline;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('shows the majority-class baseline per case and marks the strategies and cells below it', () => {
    const base = majorityBaseline(Int32Array.from(LABELS), 2);
    assert.equal(base.accuracy, 0.75);
    const main = table(html, 'main');
    assert.match(main, new RegExp(`<td>majority class</td><td data-case="${CASE}" data-majority="0.75">0.750</td>`));
    assert.match(main, /data-strategy="lp" [^>]*data-below="1">[^<]* ▼</, 'lp\'s mean is marked');
    assert.equal((main.match(/data-below/g) ?? []).length, 1, 'only lp');
    const flagged = [...table(html, 'cells').matchAll(/data-cell="(\w+)" data-majority="([^"]+)" data-below="(\d)">([^<]*)</g)];
    assert.equal(flagged.length, 6, 'every cell has its baseline, with or without predictions');
    for (const [, id, majority, below, text] of flagged) {
      const c = cells.find((x) => x.id === id)!;
      assert.equal(Number(majority), 0.75);
      assert.equal(below, c.config.strategy.id === 'lp' ? '1' : '0', `${c.config.strategy.id} seed ${c.config.seed}`);
      assert.equal(text.endsWith('▼ below majority'), below === '1');
    }
    const line = headline.find((l) => l.startsWith(`${CASE}: majority-class baseline`))!;
    assert.equal(line, `${CASE}: majority-class baseline (always 'malignant') test accuracy 0.750; BELOW IT: 2 of 6 cell(s): lp seed 0 (0.650 < 0.750), lp seed 1 (0.675 < 0.750)`);
    assert.ok(md.includes(`- ${line}`), 'the headline in report.md');
  });

  it('puts each cell\'s bootstrap interval beside its value, as bootstrapCI gives it on the stored predictions', () => {
    const got = [...table(html, 'cells').matchAll(/<td data-cell="(\w+)" data-value="([^"]+)"(?: data-lower="([^"]+)" data-upper="([^"]+)")?>([^<]*)</g)];
    assert.equal(got.length, 6);
    for (const [, id, value, lower, upper, text] of got) {
      const c = cells.find((x) => x.id === id)!;
      if (id === withoutPredictions.id) { assert.equal(lower, undefined, 'no interval without predictions'); continue; }
      const p = predictions(c);
      const ci = bootstrapCI(p.labels, p.probabilities, 2, 'accuracy', { resamples: 1000, seed: 0, level: 0.95 });
      assert.equal(Number(value), ci.estimate);
      assert.equal(Number(lower), ci.lo);
      assert.equal(Number(upper), ci.hi);
      assert.equal(text, `${ci.estimate!.toFixed(3)} [${ci.lo.toFixed(3)}, ${ci.hi.toFixed(3)}]`);
    }
    assert.match(html, /1 done cell\(s\) kept no per-image predictions/);
  });

  it('holds the paired tests on the test images: McNemar and DeLong against ft, McNemar against the majority class, Holm over strategies', () => {
    const rows = [...table(html, 'paired-images').matchAll(/data-case="([^"]+)" data-seed="(\d+)" data-strategy="([^"]+)" data-vs="([^"]+)" data-measure="(\w+)" data-p="([^"]*)" data-diff="([^"]*)">[^<]*<\/td><td data-holm="([^"]*)">/g)]
      .map((m) => ({ seed: Number(m[2]), strategy: m[3], vs: m[4], measure: m[5], p: num(m[6]), diff: num(m[7]), holm: num(m[8]) }));
    const byId = (strategy: string, seed: number) => predictions(cells.find((c) => c.config.strategy.id === strategy && c.config.seed === seed)!);
    const correct = (p: SplitPredictions) => { const pred = predictClasses(p.probabilities, 2); return p.labels.map((y, i) => y === pred[i]); };
    // seed 0: lp and lp-ft against ft, and all three against the majority class; seed 1: lp-ft has no predictions.
    assert.deepEqual(rows.map((r) => `${r.seed} ${r.strategy} ${r.vs} ${r.measure}`), [
      '0 ft majority class accuracy', '0 lp majority class accuracy', '0 lp ft accuracy', '0 lp ft macroAuc', '0 lp-ft majority class accuracy', '0 lp-ft ft accuracy', '0 lp-ft ft macroAuc',
      '1 ft majority class accuracy', '1 lp majority class accuracy', '1 lp ft accuracy', '1 lp ft macroAuc',
    ]);
    for (const seed of [0, 1]) {
      const ft = byId('ft', seed);
      const strategies = seed === 0 ? ['lp', 'lp-ft'] : ['lp'];
      const mcnemar = strategies.map((s) => mcnemarExact(correct(byId(s, seed)), correct(ft)));
      const delong = strategies.map((s) => {
        const score = (p: SplitPredictions) => Float64Array.from(p.labels, (_, i) => p.probabilities[2 * i + 1]);
        return delongTest(Int32Array.from(LABELS), score(byId(s, seed)), score(ft));
      });
      const versus = ['ft', ...strategies].map((s) => mcnemarExact(correct(byId(s, seed)), LABELS.map((y) => y === 0)));
      const find = (strategy: string, vs: string, measure: string) => rows.find((r) => r.seed === seed && r.strategy === strategy && r.vs === vs && r.measure === measure)!;
      strategies.forEach((s, i) => {
        assert.equal(find(s, 'ft', 'accuracy').p, mcnemar[i].pValue);
        assert.equal(find(s, 'ft', 'accuracy').holm, holm(mcnemar.map((m) => m.pValue))[i]);
        assert.ok(Math.abs(find(s, 'ft', 'accuracy').diff! - (RIGHT[s] - RIGHT.ft) / 40) < 1e-12);
        assert.equal(find(s, 'ft', 'macroAuc').p, delong[i].pValue);
        assert.equal(find(s, 'ft', 'macroAuc').diff, delong[i].difference);
        assert.equal(find(s, 'ft', 'macroAuc').holm, holm(delong.map((d) => d.pValue))[i]);
      });
      ['ft', ...strategies].forEach((s, i) => {
        assert.equal(find(s, 'majority class', 'accuracy').p, versus[i].pValue);
        assert.equal(find(s, 'majority class', 'accuracy').holm, holm(versus.map((m) => m.pValue))[i]);
      });
    }
    assert.match(md, /## Paired tests on the test images/);
  });
});
