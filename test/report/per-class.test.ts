/**
 * Per-class tables and sensitivity / specificity / PPV / NPV in the report, from stores of known predictions: every
 * number counted here from the stored test predictions (TP = positive images predicted positive, …) and equal to the
 * report's; the positive class from medft's metadata (BreastMNIST: class 0 'malignant', although it is the larger
 * class in this fixture), from --positive-class, or the minority class with a note for a dataset medft does not know.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createRng } from '../../src/random.ts';
import { evaluateClassification, predictClasses, wilsonInterval } from '../../src/eval/index.ts';
import { expandCells, type Cell } from '../../src/experiment/cells.ts';
import { parseExperiment } from '../../src/experiment/spec.ts';
import { ResultsStore } from '../../src/experiment/store.ts';
import { writeReport } from '../../src/report/index.ts';
import type { SplitPredictions } from '../../src/train/predict.ts';
import { tempDir } from '../data/fixtures.ts';

const CLASSES = ['malignant', 'normal, benign'];
const N = 50;
const LABELS = Array.from({ length: N }, (_, i) => (i < 30 ? 0 : 1));

function predictions(c: Cell): SplitPredictions {
  const rng = createRng(`${c.id}:per-class`);
  const probabilities = LABELS.flatMap((y) => {
    const pTrue = rng.next() < (c.config.strategy.id === 'ft' ? 0.8 : 0.6) ? 0.55 + 0.4 * rng.next() : 0.05 + 0.4 * rng.next();
    return y === 1 ? [1 - pTrue, pTrue] : [pTrue, 1 - pTrue];
  });
  return { numClasses: 2, sampleIds: LABELS.map((_, i) => `test[${i}]`), labels: LABELS, probabilities };
}

const dirs: string[] = [];
async function report(dataset: string | { name: string; data: string }, positiveClass?: string) {
  const dir = tempDir('medft-per-class-');
  dirs.push(dir);
  const spec = parseExperiment({ name: 'per-class', datasets: [dataset], models: ['tiny_cnn'], strategies: ['ft', 'lp'], seeds: [0], epochs: 2 }, 'pc.yaml');
  const cells = expandCells(spec, 'pc.yaml');
  const store = new ResultsStore(join(dir, 'results.db'));
  store.registerExperiment('exp', spec.name, 'pc.yaml', spec, cells);
  for (const c of cells) {
    const p = predictions(c);
    const r = evaluateClassification(p.labels, p.probabilities, 2, { classNames: CLASSES });
    store.markRunning(c.id);
    store.recordDone(c.id, { val: r, test: r, bestEpoch: 1, history: [], timings: { total: 1 }, environment: { data: { source: 'fixture', method: 'official', classNames: CLASSES, splits: { test: { size: N, classCounts: [30, 20], sha256: 'ab'.repeat(32) } } } }, predictions: { val: p, test: p } });
  }
  store.close();
  const w = await writeReport(dir, positiveClass != null ? { positiveClass } : {});
  return { cells, html: readFileSync(w.htmlPath, 'utf8'), md: readFileSync(w.markdownPath, 'utf8') };
}

const tableOf = (html: string, prefix: string) => new RegExp(`<table id="table-${prefix}-[^"]*">([\\s\\S]*?)</table>\\n<p class="note">([^<]*)</p>`).exec(html)!;

/** TP, FN, FP, TN counted from the predictions with `positive` as the positive class. */
function counts(p: SplitPredictions, positive: number) {
  const pred = predictClasses(p.probabilities, 2);
  let tp = 0, fn = 0, fp = 0, tn = 0;
  p.labels.forEach((y, i) => {
    if (y === positive) { if (pred[i] === positive) tp++; else fn++; } else if (pred[i] === positive) fp++; else tn++;
  });
  return { tp, fn, fp, tn };
}

function checkDiagnostics(html: string, cells: Cell[], positive: number, source: string) {
  const [, body] = tableOf(html, 'diagnostic');
  const rows = [...body.matchAll(/data-cell="(\w+)" data-positive="(\d)" data-source="(\w+)">[^<]*<\/td><td data-sensitivity="([^"]*)" data-sensitivity-lower="([^"]*)" data-sensitivity-upper="([^"]*)">[^<]*<\/td><td data-specificity="([^"]*)"[^>]*>[^<]*<\/td><td data-ppv="([^"]*)"[^>]*>[^<]*<\/td><td data-npv="([^"]*)"/g)];
  assert.equal(rows.length, cells.length);
  for (const [, id, pos, src, sens, lo, hi, spec, ppv, npv] of rows) {
    const { tp, fn, fp, tn } = counts(predictions(cells.find((c) => c.id === id)!), positive);
    assert.equal(Number(pos), positive);
    assert.equal(src, source);
    assert.equal(Number(sens), tp / (tp + fn));
    const w = wilsonInterval(tp, tp + fn)!;
    assert.equal(Number(lo), w.lo);
    assert.equal(Number(hi), w.hi);
    assert.equal(Number(spec), tn / (tn + fp));
    assert.equal(Number(ppv), tp / (tp + fp));
    assert.equal(Number(npv), tn / (tn + fn));
  }
}

describe('per-class tables and diagnostic accuracy in the report', () => {
  after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

  it('BreastMNIST: malignant (class 0) is positive from the metadata, and per-class precision/recall/F1 add up', async () => {
    const { cells, html, md } = await report('breastmnist');
    checkDiagnostics(html, cells, 0, 'dataset');
    assert.match(tableOf(html, 'diagnostic')[2], /positive class: &quot;malignant&quot; \(class 0\), the dataset's clinically positive class/);
    const [, body] = tableOf(html, 'per-class');
    for (const c of cells) {
      const p = predictions(c);
      const pred = predictClasses(p.probabilities, 2);
      const got = (cls: string) => {
        const m = new RegExp(`data-cell="${c.id}" data-strategy="[^"]+" data-seed="0" data-class="${cls}" data-precision="([^"]*)">[^<]*</td><td data-recall="([^"]*)">[^<]*</td><td data-f1="([^"]*)">[^<]*</td><td>(\\d+)<`).exec(body)!;
        return m.slice(1).map(Number);
      };
      const per = [0, 1].map((k) => {
        const tp = p.labels.filter((y, i) => y === k && pred[i] === k).length;
        const predicted = pred.filter((x) => x === k).length;
        const support = p.labels.filter((y) => y === k).length;
        return { precision: tp / predicted, recall: tp / support, f1: (2 * tp) / (predicted + support), support };
      });
      per.forEach((x, k) => {
        const [precision, recall, f1, support] = got(String(k));
        assert.ok(Math.abs(precision - x.precision) < 1e-12 && Math.abs(recall - x.recall) < 1e-12 && Math.abs(f1 - x.f1) < 1e-12, `${c.config.strategy.id} class ${k}`);
        assert.equal(support, x.support);
      });
      const macro = got('macro average');
      assert.ok(Math.abs(macro[2] - (per[0].f1 + per[1].f1) / 2) < 1e-12);
      const weighted = got('weighted average');
      assert.ok(Math.abs(weighted[1] - (per[0].recall * 30 + per[1].recall * 20) / 50) < 1e-12, 'weighted recall = accuracy');
      assert.equal(weighted[3], N);
    }
    assert.match(md, /## Sensitivity and specificity: breastmnist × tiny_cnn/);
    // The ROC / precision–recall chart of the case, of the same positive class, with every label whole.
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    const roc = svgs.filter((x) => x.includes('sensitivity (true-positive rate)'));
    assert.equal(roc.length, 1);
    assert.match(roc[0], /positive class: (&quot;|")malignant(&quot;|")/);
    for (const x of svgs) assert.ok(!x.includes('…'), 'no chart label cut with an ellipsis');
    assert.match(md, /## Per class on the test split: breastmnist × tiny_cnn/);
  });

  it('--positive-class names the other class, by name or index', async () => {
    const byName = await report('breastmnist', 'normal, benign');
    checkDiagnostics(byName.html, byName.cells, 1, 'option');
    const byIndex = await report('breastmnist', '1');
    checkDiagnostics(byIndex.html, byIndex.cells, 1, 'option');
    await assert.rejects(report('breastmnist', 'benign'), /--positive-class "benign": .* has the classes 0 "malignant"; 1 "normal, benign"/);
  });

  it('a dataset medft does not know: the minority class, with a note saying so', async () => {
    const { cells, html } = await report({ name: 'us', data: '/nowhere/us-scans' });
    checkDiagnostics(html, cells, 1, 'minority');
    assert.match(tableOf(html, 'diagnostic')[2], /&quot;normal, benign&quot; \(class 1\), the class with fewer test images, as medft does not know which class is clinically positive here — set it with --positive-class/);
  });
});
