/**
 * The charts of one fine-tuning run as SVG files next to its curves.csv (`medft finetune`): learning curves, and for
 * two classes ROC and precision–recall of the positive class on the test split. Lives in report/ so that train/
 * never imports chart code; the CLI calls it after `finetune` returns.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochRecord } from '../train/loop.ts';
import type { SplitPredictions } from '../train/predict.ts';
import { renderSvg } from './charts.ts';
import { learningSpec, rocPrSpec } from './curve-charts.ts';
import { choosePositive, type PositiveClass } from './per-class.ts';

export interface RunCharts {
  files: string[];
  positive: PositiveClass | null;
}

export async function writeRunCharts(out: string, run: {
  label: string;
  dataset: string;
  classNames: readonly string[];
  history: EpochRecord[];
  test: SplitPredictions | null;
  positiveClass?: string;
}): Promise<RunCharts> {
  const files: string[] = [];
  const learning = learningSpec(`${run.label} · learning curves`, [{ label: run.label, epochs: run.history }]);
  if (learning) {
    writeFileSync(join(out, 'learning-curves.svg'), await renderSvg(learning));
    files.push('learning-curves.svg');
  }
  let positive: PositiveClass | null = null;
  if (run.test && run.classNames.length === 2) {
    const support = [0, 1].map((k) => run.test!.labels.filter((y) => y === k).length);
    positive = choosePositive([...run.classNames], support, run.dataset, run.positiveClass, run.dataset);
    const spec = positive ? rocPrSpec(`${run.label} · test split`, [{ label: run.label, predictions: run.test }], positive.index, positive.name) : null;
    if (spec) {
      writeFileSync(join(out, 'roc-pr.svg'), await renderSvg(spec));
      files.push('roc-pr.svg');
    }
  }
  return { files, positive };
}
