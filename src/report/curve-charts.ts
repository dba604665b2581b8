/**
 * ROC and precision–recall curves of the positive class, one line per strategy (or run), from kept test predictions
 * (src/eval rocPrCurves), and the learning curves of one run: train loss, validation loss, accuracy and AUC per epoch.
 * Used by the report (per case, first seed) and by `medft finetune` (one run, SVG files next to curves.csv).
 */
import type { TopLevelSpec } from 'vega-lite';
import { rocPrCurves, type Curves } from '../eval/index.ts';
import type { EpochRecord } from '../train/loop.ts';
import type { SplitPredictions } from '../train/predict.ts';

/** One line of a curve chart: its legend label and the predictions it is drawn from. */
export interface CurveInput {
  label: string;
  predictions: SplitPredictions;
}

/** Legend labels are shown whole: a cut label can hide which strategy or class a line is. */
export const FULL_LABELS = { labelLimit: 0, titleLimit: 0 } as const;

/** The curves of every input for `positive` (a class index); inputs with a single class in the labels are left out. */
export function curvesOf(inputs: CurveInput[], positive: number): { label: string; curves: Curves }[] {
  const out: { label: string; curves: Curves }[] = [];
  for (const { label, predictions: p } of inputs) {
    const scores = Float64Array.from(p.labels, (_, i) => p.probabilities[i * p.numClasses + positive]);
    const curves = rocPrCurves(scores, p.labels.map((y) => y === positive));
    if (curves) out.push({ label, curves });
  }
  return out;
}

/** ROC (with the chance diagonal) and precision–recall (with the positive share as the chance line) side by side. */
export function rocPrSpec(title: string, inputs: CurveInput[], positive: number, positiveName: string): TopLevelSpec | null {
  const lines = curvesOf(inputs, positive);
  if (!lines.length) return null;
  const roc = lines.flatMap(({ label, curves }) => curves.points.map((p, i) => ({ line: `${label} (AUC ${area(curves).toFixed(3)})`, order: i, fpr: p.fpr, tpr: p.tpr })));
  const pr = lines.flatMap(({ label, curves }) => curves.points.filter((p) => p.precision != null)
    .map((p, i) => ({ line: `${label} (AP ${curves.averagePrecision.toFixed(3)})`, order: i, recall: p.tpr, precision: p.precision })));
  const prevalence = lines[0].curves.positives / (lines[0].curves.positives + lines[0].curves.negatives);
  const legend = { orient: 'bottom', columns: 2, title: null, ...FULL_LABELS };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: `positive class: "${positiveName}"` },
    hconcat: [
      {
        width: 260, height: 260,
        layer: [
          { data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }, mark: { type: 'line', color: '#bbb', strokeDash: [4, 4] }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
          {
            data: { values: roc },
            mark: { type: 'line', interpolate: 'linear' },
            encoding: {
              x: { field: 'fpr', type: 'quantitative', scale: { domain: [0, 1] }, title: '1 − specificity (false-positive rate)' },
              y: { field: 'tpr', type: 'quantitative', scale: { domain: [0, 1] }, title: 'sensitivity (true-positive rate)' },
              order: { field: 'order', type: 'quantitative' },
              color: { field: 'line', type: 'nominal', legend },
            },
          },
        ],
      },
      {
        width: 260, height: 260,
        layer: [
          { data: { values: [{ x: 0, y: prevalence }, { x: 1, y: prevalence }] }, mark: { type: 'line', color: '#bbb', strokeDash: [4, 4] }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
          {
            data: { values: pr },
            mark: { type: 'line', interpolate: 'step-before' },
            encoding: {
              x: { field: 'recall', type: 'quantitative', scale: { domain: [0, 1] }, title: 'recall (sensitivity)' },
              y: { field: 'precision', type: 'quantitative', scale: { domain: [0, 1] }, title: 'precision (PPV)' },
              order: { field: 'order', type: 'quantitative' },
              color: { field: 'line', type: 'nominal', legend },
            },
          },
        ],
      },
    ],
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}

/** Trapezoidal area under the ROC points (equals binaryAuc; computed here from the points drawn). */
export function area(c: Curves): number {
  let a = 0;
  for (let i = 1; i < c.points.length; i++) a += ((c.points[i].fpr - c.points[i - 1].fpr) * (c.points[i].tpr + c.points[i - 1].tpr)) / 2;
  return a;
}

/** What the learning curves plot per epoch; validation AUC only where it was defined. */
export function learningValues(label: string, epochs: EpochRecord[]) {
  return epochs.flatMap((e) => [
    { strategy: label, epoch: e.epoch, series: 'train loss', value: e.trainLoss },
    ...(e.val ? [
      { strategy: label, epoch: e.epoch, series: 'validation loss', value: e.val.loss },
      { strategy: label, epoch: e.epoch, series: 'validation accuracy', value: e.val.accuracy },
      ...(e.val.auc != null ? [{ strategy: label, epoch: e.epoch, series: 'validation AUC', value: e.val.auc }] : []),
    ] : []),
  ]);
}

export const LEARNING_SERIES = ['train loss', 'validation loss', 'validation accuracy', 'validation AUC'];

/** Loss and validation metrics per epoch, one facet per series, one line per run. */
export function learningSpec(title: string, runs: { label: string; epochs: EpochRecord[] }[]): TopLevelSpec | null {
  const values = runs.flatMap((r) => learningValues(r.label, r.epochs));
  if (values.length === 0) return null;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values },
    columns: 2,
    facet: { field: 'series', type: 'nominal', title: null, sort: LEARNING_SERIES, header: { labelLimit: 0 } },
    spec: {
      width: 300,
      height: 170,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', scale: { zero: false }, title: null },
        color: { field: 'strategy', type: 'nominal', legend: { ...FULL_LABELS } },
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}
