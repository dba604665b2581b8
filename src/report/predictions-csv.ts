/**
 * Per-image predictions as CSV, one row per image in the order the metrics saw them: sample_id, label, label_name,
 * p_<class>… (the softmax probabilities, written with full precision so a re-computation matches the stored
 * metrics), predicted (argmax, lowest class index on ties, as src/eval predicts). `medft report --predictions`
 * writes one file per finished cell and split; `medft evaluate --predictions` one for a model.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { predictClasses } from '../eval/index.ts';
import { ResultsStore, type PredictionSplit } from '../experiment/store.ts';
import type { SplitPredictions } from '../train/predict.ts';
import { csvField } from './csv.ts';
import type { ReportCell } from './load.ts';

export function predictionsCsv(p: SplitPredictions, classNames: readonly string[]): string {
  const k = p.numClasses;
  const name = (c: number) => classNames[c] ?? String(c);
  const head = ['sample_id', 'label', 'label_name', ...Array.from({ length: k }, (_, c) => `p_${name(c)}`), 'predicted'];
  const predicted = p.labels.length ? predictClasses(p.probabilities, k) : new Int32Array(0);
  const rows = p.labels.map((y, i) => [p.sampleIds[i], y, name(y), ...p.probabilities.slice(i * k, (i + 1) * k), predicted[i]].map(csvField).join(','));
  return `${[head.map(csvField).join(','), ...rows].join('\n')}\n`;
}

/** `<dir>/report/predictions/<cellId>-<split>.csv` for every done cell and split with kept predictions. */
export function writePredictionCsvs(dir: string, cells: ReportCell[]): { dir: string; files: string[]; cellsWithout: string[] } {
  const out = join(dir, 'report', 'predictions');
  mkdirSync(out, { recursive: true });
  const store = new ResultsStore(join(dir, 'results.db'), { readonly: true });
  const files: string[] = [];
  const cellsWithout: string[] = [];
  try {
    for (const c of cells.filter((x) => x.status === 'done')) {
      const classNames = (c.environment?.data as { classNames?: string[] } | undefined)?.classNames ?? [];
      let any = false;
      for (const split of ['val', 'test'] as PredictionSplit[]) {
        const p = store.predictions(c.id, split);
        if (!p) continue;
        const file = join(out, `${c.id}-${split}.csv`);
        writeFileSync(file, predictionsCsv(p, classNames));
        files.push(file);
        any = true;
      }
      if (!any) cellsWithout.push(c.id);
    }
  } finally {
    store.close();
  }
  return { dir: out, files, cellsWithout };
}
