/**
 * ROC and precision–recall charts and the learning curves: the points drawn equal TP/FP counted here at each
 * threshold from the predictions, the legend's AUC equals src/eval binaryAuc, validation loss and AUC are plotted from
 * the epochs, no label in the report's SVG is cut short, and the SVG files `medft finetune` writes (writeRunCharts).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createRng } from '../../src/random.ts';
import { binaryAuc } from '../../src/eval/index.ts';
import { learningValues, rocPrSpec } from '../../src/report/curve-charts.ts';
import { writeRunCharts } from '../../src/report/run-charts.ts';
import type { EpochRecord } from '../../src/train/loop.ts';
import type { SplitPredictions } from '../../src/train/predict.ts';
import { tempDir } from '../data/fixtures.ts';

const rng = createRng('curves-report');
const LABELS = Array.from({ length: 70 }, (_, i) => (i % 3 === 0 ? 0 : 1));
const predictions = (): SplitPredictions => ({
  numClasses: 2, labels: LABELS, sampleIds: LABELS.map((_, i) => `t${i}`),
  // Rounded so that scores tie: the curve must take tied scores in one step.
  probabilities: LABELS.flatMap((y) => { const p0 = Math.round((y === 0 ? 0.3 + 0.6 * rng.next() : 0.6 * rng.next()) * 20) / 20; return [p0, 1 - p0]; }),
});
const runs = [{ label: 'auto-rgn', predictions: predictions() }, { label: 'lp-ft', predictions: predictions() }];
const epochs = [1, 2, 3].map((e) => ({ epoch: e, trainLoss: 1 / e, val: { loss: 0.9 / e, accuracy: 0.5 + 0.1 * e, balancedAccuracy: 0.5, macroF1: 0.5, auc: e === 1 ? null : 0.6 + 0.1 * e } })) as unknown as EpochRecord[];
const dir = tempDir('medft-curves-');

type Layer = { data: { values: Record<string, number | string>[] } };
describe('ROC, precision–recall and learning curves', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('draws, per strategy, the sensitivity and 1 − specificity counted at every threshold, and names the AUC', () => {
    const spec = rocPrSpec('t', runs, 0, 'malignant') as unknown as { hconcat: { layer: Layer[] }[] };
    const roc = spec.hconcat[0].layer[1].data.values;
    const pr = spec.hconcat[1].layer[1].data.values;
    for (const r of runs) {
      const score = LABELS.map((_, i) => r.predictions.probabilities[2 * i]);
      const auc = binaryAuc(score, LABELS.map((y) => y === 0))!;
      const mine = roc.filter((v) => v.line === `${r.label} (AUC ${auc.toFixed(3)})`);
      const thresholds = [...new Set(score)].sort((a, b) => b - a);
      assert.equal(mine.length, thresholds.length + 1, 'one point per distinct score, plus (0, 0)');
      thresholds.forEach((t, k) => {
        const tp = LABELS.filter((y, i) => y === 0 && score[i] >= t).length;
        const fp = LABELS.filter((y, i) => y === 1 && score[i] >= t).length;
        assert.equal(mine[k + 1].tpr, tp / LABELS.filter((y) => y === 0).length);
        assert.equal(mine[k + 1].fpr, fp / LABELS.filter((y) => y === 1).length);
        const p = pr.filter((v) => String(v.line).startsWith(`${r.label} (AP `))[k];
        assert.equal(p.precision, tp / (tp + fp));
      });
    }
  });

  it('plots train loss, validation loss, accuracy and AUC per epoch (AUC only where defined)', () => {
    const v = learningValues('ft', epochs);
    const series = (s: string) => v.filter((x) => x.series === s).map((x) => [x.epoch, x.value]);
    assert.deepEqual(series('validation loss'), [[1, 0.9], [2, 0.45], [3, 0.3]]);
    assert.deepEqual(series('validation AUC'), [[2, 0.8], [3, 0.9]]);
    assert.equal(series('train loss').length, 3);
    assert.equal(series('validation accuracy').length, 3);
  });

  it('writes learning-curves.svg and roc-pr.svg for a run, positive class from the dataset, labels whole', async () => {
    const r = await writeRunCharts(dir, { label: 'a-strategy-with-a-long-name', dataset: 'breastmnist', classNames: ['malignant', 'normal, benign'], history: epochs, test: runs[0].predictions });
    assert.deepEqual(r.files, ['learning-curves.svg', 'roc-pr.svg']);
    assert.deepEqual(r.positive, { index: 0, name: 'malignant', source: 'dataset' });
    const roc = readFileSync(join(dir, 'roc-pr.svg'), 'utf8');
    assert.match(roc, /positive class: &quot;malignant&quot;|positive class: "malignant"/);
    assert.match(roc, /a-strategy-with-a-long-name \(AUC \d\.\d{3}\)/);
    const learning = readFileSync(join(dir, 'learning-curves.svg'), 'utf8');
    for (const s of ['train loss', 'validation loss', 'validation accuracy', 'validation AUC']) assert.ok(learning.includes(`>${s}<`), s);
    for (const svg of [roc, learning]) assert.ok(!svg.includes('…'), 'no label cut with an ellipsis');
    const multi = await writeRunCharts(join(dir, '..'), { label: 'x', dataset: 'dermamnist', classNames: ['a', 'b', 'c'], history: [], test: null });
    assert.deepEqual(multi.files, []);
    assert.ok(existsSync(join(dir, 'learning-curves.svg')));
  });
});
