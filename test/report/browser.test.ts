/**
 * The report in headless Chromium at 1280 px: no text of any chart reaches outside its chart's box in the browser's
 * own layout (long strategy labels, a class name with a comma, a very long class name, legends with AUC and ECE), the
 * measurement catches a text that does overflow, and the first screen renders to a 1280×800 PNG. Skipped with a
 * message when Chromium is not installed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { chromiumAvailable, CHROMIUM, measureChartText, screenshot } from '../../scripts/chromium.ts';
import { createRng } from '../../src/random.ts';
import { evaluateClassification } from '../../src/eval/index.ts';
import { expandCells } from '../../src/experiment/cells.ts';
import { parseExperiment } from '../../src/experiment/spec.ts';
import { ResultsStore } from '../../src/experiment/store.ts';
import { writeReport } from '../../src/report/index.ts';
import { tempDir } from '../data/fixtures.ts';

const dir = tempDir('medft-browser-');
const STRATEGIES = ['ft', 'lp', 'lp-ft', 'gu-lf', 'gu-fl', 'l2-sp', 'l1-sp', 'auto-rgn'];
const CLASSES: Record<string, string[]> = {
  breastmnist: ['malignant', 'normal, benign'],
  blood3: ['neutrophil', 'immature granulocytes (myelocytes, metamyelocytes and promyelocytes)', 'platelet'],
};
const skip = chromiumAvailable() ? false : `${CHROMIUM} not installed (apt-get install -y chromium): browser layout not checked`;

function store() {
  const spec = parseExperiment({
    name: 'browser', datasets: ['breastmnist', { name: 'blood3', data: '/nowhere/blood3' }], models: ['tiny_cnn'],
    strategies: [...STRATEGIES, { id: 'l2-sp', params: { alpha: 0.0123 } }], seeds: [0, 1], epochs: 3,
  }, 'browser.yaml');
  const cells = expandCells(spec, 'browser.yaml');
  const s = new ResultsStore(join(dir, 'results.db'));
  s.registerExperiment('exp', spec.name, 'browser.yaml', spec, cells);
  for (const c of cells) {
    const names = CLASSES[c.config.dataset.name];
    const k = names.length;
    const rng = createRng(c.id);
    const labels = Array.from({ length: 90 }, (_, i) => i % k);
    const probabilities = labels.flatMap((y) => {
      const right = rng.next() < 0.75;
      const row = Array.from({ length: k }, () => rng.next() * 0.2);
      row[right ? y : (y + 1) % k] += 1;
      const sum = row.reduce((a, b) => a + b, 0);
      return row.map((x) => x / sum);
    });
    const p = { numClasses: k, sampleIds: labels.map((_, i) => `t${i}`), labels, probabilities };
    const r = evaluateClassification(labels, probabilities, k, { classNames: names });
    const history = [1, 2, 3].map((e) => ({ epoch: e, phase: 'ft', phaseIndex: 0, trainableBlocks: [], trainableTensors: 1, lrStart: 1e-3, lrEnd: 1e-3, trainLoss: 1 / e, penalty: null, val: { loss: 0.9 / e, accuracy: 0.5 + 0.1 * e, balancedAccuracy: 0.5, macroF1: 0.5, auc: 0.6 + 0.1 * e }, monitor: 0, best: e === 3, stoppedPhase: false, images: 90, seconds: 1 }));
    s.markRunning(c.id);
    s.recordDone(c.id, { val: r, test: r, bestEpoch: 3, history: history as never, timings: { total: 1 }, environment: { data: { source: 'x', method: 'official', classNames: names, splits: { test: { size: 90, classCounts: names.map(() => 90 / k), sha256: 'ab'.repeat(32) } } } }, predictions: { val: p, test: p } });
  }
  s.close();
}

describe('the report in headless Chromium', { skip }, () => {
  let html = '';
  before(async () => {
    store();
    html = (await writeReport(dir)).htmlPath;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every chart text inside its chart at 1280 px', () => {
    const layout = measureChartText(html);
    // Per case: learning curves, confusion matrices, calibration, and ROC/PR for the two-class case; plus ranks.
    assert.ok(layout.svgs >= 8, `${layout.svgs} charts`);
    assert.ok(layout.texts > 200, `${layout.texts} texts`);
    assert.deepEqual(layout.overflows, [], JSON.stringify(layout.overflows.slice(0, 5)));
    // …and none is shortened to fit: the long class name appears whole.
    const page = readFileSync(html, 'utf8');
    assert.ok(!(page.match(/<svg[\s\S]*?<\/svg>/g) ?? []).some((x) => x.includes('…')), 'no chart label cut with an ellipsis');
    assert.ok(page.includes('>immature granulocytes (myelocytes, metamyelocytes and promyelocytes)</text>'));
  });

  it('catches a text that does leave its chart', () => {
    const page = join(dir, 'control', 'index.html');
    mkdirSync(join(dir, 'control'), { recursive: true });
    writeFileSync(page, '<!doctype html><html><body><svg width="100" height="40"><text x="10" y="20">inside</text></svg>' +
      '<svg width="100" height="40"><text x="60" y="20">a label much wider than its chart</text></svg></body></html>');
    const layout = measureChartText(page);
    assert.equal(layout.svgs, 2);
    assert.deepEqual(layout.overflows.map((o) => [o.svg, o.text]), [[1, 'a label much wider than its chart']]);
    assert.ok(layout.overflows[0].right > 50);
  });

  it('renders the first screen to a 1280×800 PNG that is not blank', async () => {
    const png = join(dir, 'shot.png');
    screenshot(html, png);
    const meta = await sharp(png).metadata();
    assert.deepEqual([meta.width, meta.height], [1280, 800]);
    const stats = await sharp(png).stats();
    assert.ok(stats.channels.some((c) => c.stdev > 20), 'text is drawn');
  });
});
