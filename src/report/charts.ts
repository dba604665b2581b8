/**
 * The report's charts as Vega-Lite specs, rendered to SVG strings in Node (no browser, no canvas): heat map of the
 * gain over the baseline, average ranks with the Nemenyi critical difference, learning curves, confusion matrices,
 * reliability diagrams (ROC and precision–recall curves: curve-charts.ts). Labels are never cut short (FULL_LABELS).
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ReportCell } from './load.ts';
import type { Stats } from './stats.ts';
import { FULL_LABELS, learningSpec } from './curve-charts.ts';

const FONT = { font: 'system-ui, -apple-system, Segoe UI, sans-serif', labelFont: 'system-ui, sans-serif', titleFont: 'system-ui, sans-serif' };

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vg = compile({ ...spec, config: { ...FONT, ...(spec.config ?? {}) } } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(vg), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Gain over the baseline per case and strategy (mean over seeds), in points of the metric. */
export function gainHeatmapSpec(stats: Stats): TopLevelSpec | null {
  const c = stats.comparison;
  if (!c || c.paired.length === 0) return null;
  const values = c.paired.map((p) => ({ case: p.case, strategy: p.strategy, gain: 100 * (c.higherIsBetter ? p.meanDiff : -p.meanDiff) }));
  const max = Math.max(1e-9, ...values.map((v) => Math.abs(v.gain)));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Gain over ${c.baseline} (points of ${stats.metric})`,
    data: { values },
    width: { step: 56 },
    height: { step: 30 },
    encoding: {
      x: { field: 'strategy', type: 'nominal', sort: c.strategies.slice(1), axis: { labelAngle: -30, title: null, ...FULL_LABELS } },
      y: { field: 'case', type: 'nominal', sort: c.cases, title: null, axis: { ...FULL_LABELS } },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'gain', type: 'quantitative', scale: { scheme: 'redblue', domain: [-max, max] }, title: 'gain (pts)' } } },
      { mark: { type: 'text', fontSize: 11 }, encoding: { text: { field: 'gain', type: 'quantitative', format: '+.1f' } } },
    ],
  };
}

/** Average ranks (1 = best) with the Nemenyi critical difference as a bar from the best rank. */
export function rankSpec(stats: Stats): TopLevelSpec | null {
  const r = stats.ranks;
  if (!r) return null;
  const values = r.strategies.map((s, i) => ({ strategy: s, rank: r.averageRanks[i] }));
  const best = Math.min(...r.averageRanks);
  const top = Math.max(r.strategies.length, r.cd != null ? best + r.cd : 0);
  const layers: object[] = [
    { mark: { type: 'rule', color: '#999' }, encoding: { x: { field: 'rank', type: 'quantitative', scale: { domain: [1, top] }, title: 'average rank (1 = best)' }, y: { field: 'strategy', type: 'nominal', sort: { field: 'rank' }, title: null, axis: { ...FULL_LABELS } }, x2: { datum: 1 } } },
    { mark: { type: 'point', filled: true, size: 80 }, encoding: { x: { field: 'rank', type: 'quantitative' }, y: { field: 'strategy', type: 'nominal', sort: { field: 'rank' } } } },
    { mark: { type: 'text', dx: 24, fontSize: 10 }, encoding: { x: { field: 'rank', type: 'quantitative' }, y: { field: 'strategy', type: 'nominal', sort: { field: 'rank' } }, text: { field: 'rank', type: 'quantitative', format: '.2f' } } },
  ];
  if (r.cd != null) {
    layers.push({
      data: { values: [{ x: best, x2: best + r.cd, label: `CD = ${r.cd.toFixed(2)}` }] },
      layer: [
        { mark: { type: 'rule', color: '#d62728', strokeWidth: 3 }, encoding: { x: { field: 'x', type: 'quantitative' }, x2: { field: 'x2' }, y: { value: -6 } } },
        { mark: { type: 'text', color: '#d62728', align: 'left', baseline: 'bottom' }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { value: -10 }, text: { field: 'label' } } },
      ],
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Average rank over ${r.cases} case(s)${r.cd != null ? ' · red bar: Nemenyi critical difference (α = 0.05)' : ''}`, offset: r.cd != null ? 22 : 4 },
    data: { values },
    width: 420,
    height: { step: 22 },
    layer: layers,
  } as TopLevelSpec;
}

/** Train loss, validation loss, accuracy and AUC per epoch for each strategy of one case (first seed). */
export function learningCurvesSpec(caseName: string, cells: ReportCell[]): TopLevelSpec | null {
  const seed = Math.min(...cells.map((c) => c.seed));
  return learningSpec(`${caseName} · seed ${seed}`, cells.filter((c) => c.seed === seed).map((c) => ({ label: c.label, epochs: c.epochs })));
}

/** Confusion matrices (test split, first seed) of every strategy of one case, side by side. */
export function confusionSpec(caseName: string, cells: ReportCell[]): TopLevelSpec | null {
  const seed = Math.min(...cells.map((c) => c.seed));
  const values = cells.filter((c) => c.seed === seed && c.test).flatMap((c) => {
    const names = (c.environment?.data as { classNames?: string[] } | undefined)?.classNames;
    return c.test!.confusionMatrix.flatMap((row, t) => row.map((n, p) => ({
      strategy: c.label, true: names?.[t] ?? String(t), predicted: names?.[p] ?? String(p), n, share: n / Math.max(1, row.reduce((a, b) => a + b, 0)),
    })));
  });
  if (values.length === 0) return null;
  // Class order, not alphabetical, on both axes: row i is class i, whatever its name.
  const order = [...new Set(values.map((v) => v.true))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${caseName} · test split · seed ${seed} (rows: true class; colour: share of the row)`,
    data: { values },
    columns: 4,
    facet: { field: 'strategy', type: 'nominal', title: null, header: { labelLimit: 0 } },
    spec: {
      width: 110,
      height: 110,
      encoding: {
        x: { field: 'predicted', type: 'nominal', sort: order, axis: { labelAngle: -30, ...FULL_LABELS } },
        y: { field: 'true', type: 'nominal', sort: order, axis: { ...FULL_LABELS } },
      },
      layer: [
        { mark: 'rect', encoding: { color: { field: 'share', type: 'quantitative', scale: { scheme: 'blues', domain: [0, 1] }, legend: null } } },
        { mark: { type: 'text', fontSize: 11 }, encoding: { text: { field: 'n', type: 'quantitative' }, color: { condition: { test: 'datum.share > 0.6', value: 'white' }, value: 'black' } } },
      ],
    },
  } as TopLevelSpec;
}

/** Reliability diagram (test split, first seed): accuracy against mean confidence per bin, and the diagonal. */
export function calibrationSpec(caseName: string, cells: ReportCell[]): TopLevelSpec | null {
  const seed = Math.min(...cells.map((c) => c.seed));
  const values = cells.filter((c) => c.seed === seed && c.test).flatMap((c) => c.test!.calibrationBins
    .filter((b) => b.count > 0 && b.confidence != null && b.accuracy != null)
    .map((b) => ({ strategy: `${c.label} (ECE ${c.test!.ece.toFixed(3)})`, confidence: b.confidence, accuracy: b.accuracy, count: b.count })));
  if (values.length === 0) return null;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${caseName} · test split · seed ${seed}`,
    width: 320,
    height: 240,
    layer: [
      { data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }, mark: { type: 'line', color: '#bbb', strokeDash: [4, 4] }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'confidence', type: 'quantitative', scale: { domain: [0, 1] }, title: 'mean confidence' },
          y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, title: 'accuracy' },
          color: { field: 'strategy', type: 'nominal', legend: { ...FULL_LABELS } },
        },
      },
    ],
  } as TopLevelSpec;
}
