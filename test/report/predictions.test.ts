/**
 * Per-image predictions on a real tiny run (BreastMNIST subset, tiny_cnn at 16 px, 1 epoch, models kept): every
 * cell keeps its val/test probabilities, labels and sample ids in results.db, and the stored metrics are exactly the
 * ones src/eval computes from them; `medft report --predictions` writes them as CSV, and scikit-learn (Debian's
 * /usr/bin/python3, when it has sklearn) reading that CSV gets the stored accuracy, balanced accuracy, macro-F1, AUC
 * and log loss; `medft evaluate --predictions` writes the same format for a kept model. The run's summary and the
 * report show the majority-class baseline, each cell's bootstrap interval and the paired tests on the test images,
 * equal to src/eval called here on the stored predictions.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bootstrapCI, delongTest, evaluateClassification, holm, majorityBaseline, mcnemarExact, pairedBootstrap, predictClasses } from '../../src/eval/index.ts';
import { ResultsStore } from '../../src/experiment/store.ts';
import type { SplitPredictions } from '../../src/train/predict.ts';
import { sharedDataDir, tempDir } from '../data/fixtures.ts';

const bin = fileURLToPath(new URL('../../bin/medft.js', import.meta.url));
const dir = tempDir('medft-predictions-');
const run = join(dir, 'run');
const env = { ...process.env, MEDFT_DATA_DIR: sharedDataDir(), MEDFT_ACCELERATOR_THREADS: '1', MEDFT_CACHE_DIR: join(dir, 'cache') };
const medft = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, timeout: 180_000 });
const PYTHON = '/usr/bin/python3';
const METRICS = ['accuracy', 'balancedAccuracy', 'macroF1', 'macroAuc', 'nll'] as const;

/** Reads a CSV written by medft (RFC 4180 quoting) into header and rows. */
function readCsv(text: string): { head: string[]; rows: string[][] } {
  const lines: string[][] = [];
  let row: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') quoted = false; else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cur); cur = ''; } else if (ch === '\n') { lines.push([...row, cur]); row = []; cur = ''; } else cur += ch;
  }
  return { head: lines[0], rows: lines.slice(1) };
}

/** scikit-learn's metrics of a predictions CSV; the NLL clips at medft's 1e-15 (src/eval/nll.ts) before log_loss. */
const SKLEARN = `
import csv, json, sys
import numpy as np
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, log_loss, roc_auc_score
with open(sys.argv[1], newline='') as f:
    rows = list(csv.DictReader(f))
pcols = [c for c in rows[0].keys() if c.startswith('p_')]
k = len(pcols)
y = np.array([int(r['label']) for r in rows])
P = np.array([[float(r[c]) for c in pcols] for r in rows])
pred = np.array([int(r['predicted']) for r in rows])
auc = roc_auc_score(y, P[:, 1]) if k == 2 else roc_auc_score(y, P, multi_class='ovr', average='macro', labels=list(range(k)))
print(json.dumps({
    'accuracy': accuracy_score(y, pred),
    'balancedAccuracy': balanced_accuracy_score(y, pred),
    'macroF1': f1_score(y, pred, average='macro'),
    'macroAuc': auc,
    'nll': log_loss(y, np.clip(P, 1e-15, 1), labels=list(range(k))),
    'argmaxAgrees': bool((np.argmax(P, axis=1) == pred).all()),
}))
`;
const hasSklearn = () => spawnSync(PYTHON, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0;

describe('per-image predictions', () => {
  let cellIds: string[] = [];
  let runStdout = '';
  before(() => {
    const grid = join(dir, 'grid.yaml');
    writeFileSync(grid, `name: predictions
datasets: [breastmnist]
models: [{ name: tiny_cnn, weights: none }]
strategies: [ft, lp, l2-sp]
seeds: [0]
metric: balancedAccuracy
epochs: 1
lr: 0.001
inputSize: 16
subset: { train: 32, val: 16, test: 24 }
train: { batchSize: 16 }
keepModels: true
`);
    const r = medft(['run', grid, '--out', run, '--workers', '1', '--no-report', '--no-progress']);
    assert.equal(r.status, 0, r.stderr);
    runStdout = r.stdout;
    const rep = medft(['report', run, '--predictions']);
    assert.equal(rep.status, 0, rep.stderr);
    const store = new ResultsStore(join(run, 'results.db'), { readonly: true });
    cellIds = store.cells(store.latestExperiment()!.id).map((c) => c.id);
    store.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every cell\'s val and test probabilities, labels and sample ids; the stored metrics are computed from them', () => {
    const store = new ResultsStore(join(run, 'results.db'), { readonly: true });
    try {
      assert.equal(cellIds.length, 3);
      for (const id of cellIds) {
        for (const [split, n] of [['val', 16], ['test', 24]] as const) {
          const p = store.predictions(id, split)!;
          assert.equal(p.labels.length, n, `${id} ${split}`);
          assert.equal(p.numClasses, 2);
          assert.equal(p.probabilities.length, 2 * n);
          assert.equal(new Set(p.sampleIds).size, n, 'one row per image');
          for (const s of p.sampleIds) assert.match(s, new RegExp(`^${split}\\[\\d+\\]$`), 'the npz sample id');
          const again = evaluateClassification(p.labels, p.probabilities, 2, { classNames: store.report(id, split)!.perClass.map((c) => c.name!) });
          assert.deepEqual(again, store.report(id, split), `${id} ${split}: recomputed report`);
        }
      }
      // Every strategy saw the same test images in the same order (the paired tests rely on it).
      for (const id of cellIds.slice(1)) assert.deepEqual(store.predictions(id, 'test')!.sampleIds, store.predictions(cellIds[0], 'test')!.sampleIds);
    } finally {
      store.close();
    }
  });

  it('writes one CSV per done cell and split whose metrics, recomputed by scikit-learn, equal the stored ones', (t) => {
    const files = readdirSync(join(run, 'report', 'predictions')).sort();
    assert.deepEqual(files, cellIds.flatMap((id) => [`${id}-test.csv`, `${id}-val.csv`]).sort());
    const store = new ResultsStore(join(run, 'results.db'), { readonly: true });
    const sklearn = hasSklearn();
    if (!sklearn) t.diagnostic(`${PYTHON} has no scikit-learn (apt-get install python3-sklearn): the CSVs were checked against src/eval only`);
    try {
      for (const f of files) {
        const [id, split] = f.replace('.csv', '').split('-') as [string, 'val' | 'test'];
        const file = join(run, 'report', 'predictions', f);
        const { head, rows } = readCsv(readFileSync(file, 'utf8'));
        assert.deepEqual(head, ['sample_id', 'label', 'label_name', 'p_malignant', 'p_normal, benign', 'predicted']);
        const stored = store.predictions(id, split)!;
        assert.deepEqual(rows.map((r) => r[0]), stored.sampleIds);
        assert.deepEqual(rows.map((r) => Number(r[1])), stored.labels);
        assert.deepEqual(rows.map((r) => r[2]), stored.labels.map((y) => ['malignant', 'normal, benign'][y]));
        assert.deepEqual(rows.flatMap((r) => [Number(r[3]), Number(r[4])]), stored.probabilities, 'probabilities written with full precision');
        const report = store.report(id, split)!;
        let got: Record<string, number | boolean>;
        if (sklearn) {
          const py = spawnSync(PYTHON, ['-c', SKLEARN, file], { encoding: 'utf8' });
          assert.equal(py.status, 0, py.stderr);
          got = JSON.parse(py.stdout);
          assert.equal(got.argmaxAgrees, true, 'predicted is the argmax');
        } else {
          const labels = rows.map((r) => Number(r[1]));
          const r = evaluateClassification(labels, rows.map((x) => [Number(x[3]), Number(x[4])]), 2);
          got = { accuracy: r.accuracy, balancedAccuracy: r.balancedAccuracy, macroF1: r.macroF1, macroAuc: r.macroAuc!, nll: r.nll };
        }
        for (const m of METRICS) assert.ok(Math.abs((got[m] as number) - (report[m] as number)) < 1e-6, `${f} ${m}: ${got[m]} vs stored ${report[m]}`);
      }
    } finally {
      store.close();
    }
  });

  it('medft evaluate --predictions writes the same CSV for a kept model on the same test split', () => {
    const id = cellIds[0];
    const subset = readdirSync(join(run, 'data'))[0];
    const out = join(dir, 'evaluate.csv');
    const r = medft(['evaluate', '--model', join(run, 'cells', id), '--data', join(run, 'data', subset, 'breastmnist.npz'), '--split', 'test', '--predictions', out]);
    assert.equal(r.status, 0, r.stderr);
    const got = readCsv(readFileSync(out, 'utf8'));
    const want = readCsv(readFileSync(join(run, 'report', 'predictions', `${id}-test.csv`), 'utf8'));
    assert.deepEqual(got.head, want.head);
    assert.deepEqual(got.rows.map((x) => [x[0], x[1], x[2], x[5]]), want.rows.map((x) => [x[0], x[1], x[2], x[5]]));
    // Another inference batch size may change the last bits of a probability.
    for (let i = 0; i < want.rows.length; i++) for (const c of [3, 4]) assert.ok(Math.abs(Number(got.rows[i][c]) - Number(want.rows[i][c])) < 1e-6);
  });

  it('shows the majority-class baseline, each cell\'s bootstrap interval and the paired tests, as src/eval gives them on the stored predictions', () => {
    const html = readFileSync(join(run, 'report', 'index.html'), 'utf8');
    const store = new ResultsStore(join(run, 'results.db'), { readonly: true });
    const rows = store.cells(store.latestExperiment()!.id);
    const preds = new Map(rows.map((c) => [c.strategy, store.predictions(c.id, 'test')!]));
    store.close();
    const P = preds.get('ft')!;
    const labels = Int32Array.from(P.labels);
    const base = majorityBaseline(labels, 2);
    const table = (id: string) => new RegExp(`<table id="table-${id}">([\\s\\S]*?)</table>`).exec(html)![1];

    // The baseline: in the run's summary, the main table and the cells table.
    const summary = runStdout.split('\n').find((l) => l.startsWith('breastmnist × tiny_cnn: majority-class baseline'))!;
    assert.ok(summary.startsWith(`breastmnist × tiny_cnn: majority-class baseline (always '${['malignant', 'normal, benign'][base.majorityClass]}') test balanced accuracy ${base.balancedAccuracy.toFixed(3)}`), runStdout);
    assert.equal(base.balancedAccuracy, 0.5);
    assert.match(table('main'), new RegExp(`<td>majority class</td><td data-case="breastmnist × tiny_cnn" data-majority="${base.balancedAccuracy}">`));
    const below = rows.filter((c) => evaluateClassification(preds.get(c.strategy)!.labels, preds.get(c.strategy)!.probabilities, 2).balancedAccuracy < 0.5);
    assert.equal((table('cells').match(/▼ below majority<\/td>/g) ?? []).length, below.length);
    if (below.length === 0) assert.match(summary, /; no cell below it$/);
    else assert.match(summary, new RegExp(`BELOW IT: ${below.length} of 3 cell`));

    // Each cell's interval of balanced accuracy.
    for (const c of rows) {
      const p = preds.get(c.strategy)!;
      const ci = bootstrapCI(p.labels, p.probabilities, 2, 'balancedAccuracy', { resamples: 1000, seed: 0, level: 0.95 });
      assert.match(table('cells'), new RegExp(`<td data-cell="${c.id}" data-value="${ci.estimate}" data-lower="${ci.lo}" data-upper="${ci.hi}">`));
    }

    // The paired tests against ft and against the majority class, Holm over lp and l2-sp.
    const got = [...table('paired-images').matchAll(/data-strategy="([^"]+)" data-vs="([^"]+)" data-measure="(\w+)" data-p="([^"]*)" data-diff="([^"]*)">[^<]*<\/td><td data-holm="([^"]*)">/g)]
      .map((m) => ({ key: `${m[1]} ${m[2]} ${m[3]}`, p: m[4] === '' ? null : Number(m[4]), diff: m[5] === '' ? null : Number(m[5]), holm: m[6] === '' ? null : Number(m[6]) }));
    const correct = (p: SplitPredictions) => { const pred = predictClasses(p.probabilities, 2); return p.labels.map((y, i) => y === pred[i]); };
    const score = (p: SplitPredictions) => Float64Array.from(p.labels, (_, i) => p.probabilities[2 * i + 1]);
    const others = ['lp', 'l2-sp'];
    const expected = new Map<string, { p: number | null; diff: number | null; holm: number | null }>();
    const family = (measure: string, results: { p: number | null; diff: number | null }[], names: string[], vs: string) => {
      const h = holm(results.map((r) => r.p));
      names.forEach((s, i) => expected.set(`${s} ${vs} ${measure}`, { ...results[i], holm: h[i] }));
    };
    family('accuracy', others.map((s) => { const m = mcnemarExact(correct(preds.get(s)!), correct(P)); return { p: m.pValue, diff: null }; }), others, 'ft');
    family('macroAuc', others.map((s) => { const d = delongTest(labels, score(preds.get(s)!), score(P)); return { p: d.pValue, diff: d.difference }; }), others, 'ft');
    family('balancedAccuracy', others.map((s) => { const b = pairedBootstrap(labels, preds.get(s)!.probabilities, P.probabilities, 2, 'balancedAccuracy', { resamples: 2000, seed: 0, level: 0.95 }); return { p: b.pValue, diff: b.estimate }; }), others, 'ft');
    const all = ['ft', ...others];
    family('accuracy', all.map((s) => ({ p: mcnemarExact(correct(preds.get(s)!), P.labels.map((y) => y === base.majorityClass)).pValue, diff: null })), all, 'majority class');
    assert.deepEqual(got.map((g) => g.key).sort(), [...expected.keys()].sort());
    for (const g of got) {
      const e = expected.get(g.key)!;
      assert.equal(g.p, e.p, `${g.key} p`);
      assert.equal(g.holm, e.holm, `${g.key} Holm p`);
      if (e.diff != null) assert.equal(g.diff, e.diff, `${g.key} difference`);
    }
  });
});
