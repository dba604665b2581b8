/**
 * The report from a results store filled with known results (4 cases × 4 strategies × 3 seeds, one cell failed):
 * the HTML's tables hold the store's numbers (means, t intervals, best per case, wins over FT computed here
 * independently), charts are inline SVG, nothing is fetched from the network, results.csv and report.md agree;
 * and headless Chromium (when installed) draws the page.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { createRng } from '../../src/random.ts';
import { evaluateClassification } from '../../src/eval/index.ts';
import { expandCells, type Cell } from '../../src/experiment/cells.ts';
import { parseExperiment } from '../../src/experiment/spec.ts';
import { ResultsStore } from '../../src/experiment/store.ts';
import { writeReport } from '../../src/report/index.ts';
import type { EpochRecord } from '../../src/train/loop.ts';
import { tempDir } from '../data/fixtures.ts';

const dir = tempDir('medft-report-');
const spec = parseExperiment({
  name: 'synthetic', datasets: ['breastmnist', 'pneumoniamnist'], models: ['tiny_cnn', 'resnet50'],
  strategies: ['ft', 'lp', 'lp-ft', 'auto-rgn'], seeds: [0, 1, 2], epochs: 2,
}, 'synthetic.yaml');
const cells = expandCells(spec, 'synthetic.yaml');
const failedCell = cells.find((c) => c.config.strategy.id === 'lp' && c.config.seed === 2 && c.caseName === 'breastmnist × resnet50')!;
const QUALITY: Record<string, number> = { ft: 0.7, lp: 0.6, 'lp-ft': 0.75, 'auto-rgn': 0.72 };

/** A test set of 60 cases whose predictions are right with a probability set by the strategy (seeded). */
function fakeResult(cell: Cell, k: number) {
  const rng = createRng(`${cell.id}:fake`);
  const n = 60;
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  const probs = labels.map((y) => {
    const right = rng.next() < QUALITY[cell.config.strategy.id] + 0.02 * k;
    const p = 0.5 + 0.49 * rng.next();
    const p1 = right === (y === 1) ? p : 1 - p;
    return [1 - p1, p1];
  });
  const test = evaluateClassification(labels, probs, 2, { classNames: ['malignant', 'benign'] });
  const history = [1, 2].map((epoch): EpochRecord => ({
    epoch, phase: 'ft', phaseIndex: 0, trainableBlocks: ['stem', 'head'], trainableTensors: 4, lrStart: 1e-4, lrEnd: 1e-4,
    trainLoss: 0.7 - 0.1 * epoch - 0.01 * k, penalty: null, val: { loss: 0.6, accuracy: 0.6 + 0.05 * epoch, balancedAccuracy: 0.6, macroF1: 0.6, auc: 0.7 },
    monitor: 0.6, best: true, stoppedPhase: false, images: 100, seconds: 1.5, imagesPerSec: 66,
  }));
  return {
    val: test, test, bestEpoch: 2, history, timings: { total: 3.2, train: 3, setup: 0.2, epochs: 3 },
    environment: { medftVersion: '0.1.0', engine: { backend: 'wasm', threads: 1, tfjsVersion: '4.22.0', nodeVersion: 'v20' }, platform: 'linux-x64',
      model: { name: cell.config.model.name, inputSize: 32, params: 1000 },
      data: { name: cell.config.dataset.name, source: '/data/x.npz', classNames: ['malignant', 'benign'], method: 'official', seed: cell.config.seed,
        splits: { train: { size: 100, classCounts: [50, 50], sha256: 'ab'.repeat(32) }, val: { size: 20, classCounts: [10, 10], sha256: 'cd'.repeat(32) }, test: { size: 60, classCounts: [30, 30], sha256: 'ef'.repeat(32) } } },
    },
  };
}

/** Every number in the HTML's main table, from its data- attributes. */
function mainCells(html: string) {
  const table = /<table id="table-main">([\s\S]*?)<\/table>/.exec(html)![1];
  return [...table.matchAll(/<td data-case="([^"]+)" data-strategy="([^"]+)" data-mean="([^"]+)" data-n="(\d+)"(?: data-lower="([^"]+)" data-upper="([^"]+)")?>(<strong>)?([^<]+)/g)]
    .map((m) => ({ case: m[1].replace(/&amp;/g, '&'), strategy: m[2], mean: Number(m[3]), n: Number(m[4]), lower: m[5] ? Number(m[5]) : null, upper: m[6] ? Number(m[6]) : null, bold: !!m[7], text: m[8] }));
}

describe('medft report', () => {
  let html = '';
  before(async () => {
    const store = new ResultsStore(join(dir, 'results.db'));
    store.registerExperiment('exp1', spec.name, 'synthetic.yaml', spec, cells);
    cells.forEach((c, k) => {
      store.markRunning(c.id);
      if (c.id === failedCell.id) store.recordFailed(c.id, 'TrainingError: the loss became NaN at epoch 1');
      else store.recordDone(c.id, fakeResult(c, k % 3));
    });
    store.close();
    const r = await writeReport(dir);
    html = readFileSync(r.htmlPath, 'utf8');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('puts the store\'s means and t intervals over seeds in the strategy × case table, best per case in bold', () => {
    const db = new Database(join(dir, 'results.db'), { readonly: true });
    const rows = db.prepare(`SELECT c.case_name AS c, c.strategy AS s, m.value AS v FROM cells c JOIN metrics m ON m.cell_id = c.id
      WHERE c.status = 'done' AND m.split = 'test' AND m.metric = 'accuracy'`).all() as { c: string; s: string; v: number }[];
    db.close();
    const groups = new Map<string, number[]>();
    for (const r of rows) groups.set(`${r.c}|${r.s}`, [...(groups.get(`${r.c}|${r.s}`) ?? []), r.v]);
    const got = mainCells(html);
    assert.equal(got.length, 16);
    const T975 = { 2: 12.706204736, 3: 4.302652730 } as Record<number, number>;
    for (const g of got) {
      const vals = groups.get(`${g.case}|${g.strategy}`)!;
      const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
      assert.equal(g.n, vals.length);
      assert.ok(Math.abs(g.mean - mean) < 1e-12, `${g.case} ${g.strategy}: ${g.mean} vs ${mean}`);
      const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / (vals.length - 1));
      const half = (T975[vals.length] * sd) / Math.sqrt(vals.length);
      assert.ok(Math.abs(g.upper! - (mean + half)) < 1e-6 && Math.abs(g.lower! - (mean - half)) < 1e-6, `${g.case} ${g.strategy} interval`);
      assert.equal(g.text, `${mean.toFixed(3)} ± ${half.toFixed(3)}`);
    }
    assert.equal(got.find((g) => g.case === 'breastmnist × resnet50' && g.strategy === 'lp')!.n, 2, 'the failed seed is left out');
    for (const cs of new Set(got.map((g) => g.case))) {
      const inCase = got.filter((g) => g.case === cs);
      const best = Math.max(...inCase.map((g) => g.mean));
      for (const g of inCase) assert.equal(g.bold, g.mean === best, `${cs} ${g.strategy} bold`);
    }
    // Wins over FT per strategy, counted here from the same means.
    const improves = /<table id="table-improves">([\s\S]*?)<\/table>/.exec(html)![1];
    for (const s of ['lp', 'lp-ft', 'auto-rgn']) {
      const m = new RegExp(`data-strategy="${s}" data-wins="(\\d+)" data-cases="(\\d+)"`).exec(improves)!;
      const wins = [...new Set(got.map((g) => g.case))].filter((cs) => got.find((g) => g.case === cs && g.strategy === s)!.mean > got.find((g) => g.case === cs && g.strategy === 'ft')!.mean).length;
      assert.equal(Number(m[1]), wins, s);
      assert.equal(Number(m[2]), 4);
    }
  });

  it('draws the charts as inline SVG, holds ranks, cells and metadata, and fetches nothing', () => {
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    assert.equal(svgs.length, 2 + 4 * 3, 'heat map, ranks, and per case learning curves, confusion matrices, calibration');
    for (const s of svgs) assert.match(s, /<(path|rect|line)\b/);
    assert.match(html, /Gain over ft/);
    assert.match(html, /Nemenyi critical difference/);
    assert.match(html, /<table id="table-ranks">/);
    assert.match(html, /Friedman χ² = [\d.]+ \(df 3\), p = /);
    assert.match(html, /failed: TrainingError: the loss became NaN at epoch 1/);
    assert.match(html, /backend wasm, 1 thread\(s\), tfjs 4\.22\.0/);
    assert.match(html, /train 100 \[50\/50\] sha256 abababababab/);
    assert.doesNotMatch(html, /<script|<link|<img|<iframe/i);
    assert.doesNotMatch(html, /(src|href)="https?:/i);
  });

  it('writes results.csv with one row per cell (the store\'s values) and report.md with the same tables', () => {
    const csv = readFileSync(join(dir, 'report', 'results.csv'), 'utf8').trim().split('\n');
    const split = (line: string) => {
      const out: string[] = [];
      let cur = '';
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const ch = line[i];
        if (quoted) {
          if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') quoted = false; else cur += ch;
        } else if (ch === '"') quoted = true;
        else if (ch === ',') { out.push(cur); cur = ''; } else cur += ch;
      }
      return [...out, cur];
    };
    const head = split(csv[0]);
    assert.equal(csv.length, 1 + cells.length);
    const db = new Database(join(dir, 'results.db'), { readonly: true });
    for (const line of csv.slice(1)) {
      const f = split(line);
      assert.equal(f.length, head.length);
      const id = f[0];
      const acc = f[head.indexOf('test_accuracy')];
      assert.deepEqual(JSON.parse(f[head.indexOf('strategy_params')]), cells.find((c) => c.id === id)!.config.strategy.params);
      const v = (db.prepare(`SELECT value FROM metrics WHERE cell_id = ? AND split = 'test' AND metric = 'accuracy'`).get(id) as { value: number } | undefined)?.value;
      if (id === failedCell.id) { assert.equal(acc, ''); assert.match(line, /,failed,/); } else assert.equal(Number(acc), v);
    }
    db.close();
    const md = readFileSync(join(dir, 'report', 'report.md'), 'utf8');
    assert.match(md, /^# medft report: synthetic/);
    assert.match(md, /\| strategy \| breastmnist × tiny_cnn \| breastmnist × resnet50 \| pneumoniamnist × tiny_cnn \| pneumoniamnist × resnet50 \|/);
    assert.match(md, /\*\*0\.\d{3} ± 0\.\d{3}\*\*/);
    // Four cases: counts, not a share in percent, and no sign test that could not reach p < 0.05 anyway.
    assert.match(md, /\n- lp-ft against ft: higher accuracy in \d of 4 cases, lower in \d, tied in \d \(too few cases for a sign test\); on average [\d.]+ points (higher|lower) than ft/);
  });

  it('renders in headless Chromium: tables and SVG charts in the DOM, a non-blank screenshot', async (t) => {
    const chromium = '/usr/bin/chromium';
    if (!existsSync(chromium)) { t.skip(`${chromium} not installed (apt-get install -y chromium): browser rendering not checked`); return; }
    const profile = tempDir('medft-chromium-');
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`];
    const url = pathToFileURL(join(dir, 'report', 'index.html')).href;
    const dom = spawnSync(chromium, [...flags, '--dump-dom', url], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
    assert.equal(dom.status, 0, dom.stderr);
    assert.equal((dom.stdout.match(/<svg/g) ?? []).length, 14);
    // 6 result tables, and per case (4, two classes each) sensitivity/specificity and per-class tables.
    assert.equal((dom.stdout.match(/<table/g) ?? []).length, 6 + 4 * 2);
    const png = join(profile, 'shot.png');
    const shot = spawnSync(chromium, [...flags, `--screenshot=${png}`, '--window-size=1280,2400', '--hide-scrollbars', url], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(shot.status, 0, shot.stderr);
    const stats = await sharp(png).stats();
    assert.ok(stats.channels.some((c) => c.stdev > 20), 'the page is not blank');
    assert.ok(stats.channels[2].max - stats.channels[0].min > 100, 'coloured charts are drawn');
    rmSync(profile, { recursive: true, force: true });
  });
});

