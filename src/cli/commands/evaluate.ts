import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { InputError } from '../../errors.ts';
import type { ClassificationReport } from '../../eval/index.ts';
import { backendOption, positiveInt } from '../options.ts';
import { summary } from './table.ts';

const f = (x: number | null) => (x == null ? '–' : x.toFixed(4));

/** The metrics of one split as a few lines on stdout; class names quoted, so that "normal, benign" reads as one class. */
export function printReport(split: string, r: ClassificationReport, classNames: readonly string[]): void {
  const names = r.confusionMatrix.map((_, i) => String(classNames[i] ?? i));
  // Every row label padded to the longest, and the columns numbered, so the matrix stays aligned whatever the names.
  const width = Math.max(...names.map((n) => n.length + 4));
  const cell = Math.max(6, ...r.confusionMatrix.flat().map((v) => String(v).length + 2));
  const lines = [
    `${split} (n = ${r.n}): accuracy ${f(r.accuracy)} · balanced accuracy ${f(r.balancedAccuracy)} · macro-F1 ${f(r.macroF1)} · macro AUC ${f(r.macroAuc)} · ECE ${f(r.ece)} · NLL ${f(r.nll)}`,
    `per-class recall: ${r.perClass.map((c) => `${JSON.stringify(String(classNames[c.class] ?? c.class))} ${f(c.recall)}`).join(' · ')}`,
    'confusion matrix (rows: true class, columns: predicted class, by index):',
    `  ${''.padEnd(width)} ${names.map((_, j) => String(j).padStart(cell)).join('')}`,
    ...r.confusionMatrix.map((row, i) => `  ${`${i} ${JSON.stringify(names[i])}`.padEnd(width)} ${row.map((v) => String(v).padStart(cell)).join('')}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

interface EvaluateOptions {
  model: string;
  data: string;
  split: 'train' | 'val' | 'test' | 'all';
  batch: string;
  json?: boolean;
  predictions?: string;
  skipBad?: boolean;
  backend?: string;
}

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description(summary('evaluate'))
    .requiredOption('--model <dir>', "folder written by 'medft finetune --out'")
    .requiredOption('--data <path|name>', 'dataset (same classes, in the same order, as the model was trained on)')
    .addOption(new Option('--split <name>', "which samples: the dataset's split drawn with the run's seed, or all").choices(['train', 'val', 'test', 'all']).default('test'))
    .option('--batch <n>', 'inference batch size', '64')
    .option('--json', 'print the full metrics report as JSON')
    .option('--predictions <file.csv>', 'also write the per-image predictions: sample_id, label, label_name, p_<class>…, predicted')
    .option('--skip-bad', 'skip image files that cannot be used, as finetune --skip-bad does (give it here too when the model was trained with it: the splits then match)')
    .addOption(backendOption())
    .addHelpText('after', `
The preprocessing (input size, channel order, normalisation) comes from the model folder's medft.json.

Examples:
  medft evaluate --model runs/bm-r50-lpft --data breastmnist --split test
  medft evaluate --model runs/bm-r50-lpft --data breastmnist --predictions bm-test.csv`)
    .action(async (opts: EvaluateOptions) => {
      const batch = positiveInt(opts.batch, '--batch');
      const { engineBanner, initEngine } = await import('../../engine/index.ts');
      const { makeSplits, openDataset } = await import('../../data/index.ts');
      const { evaluateClassification } = await import('../../eval/index.ts');
      const { predictDataset, splitPredictions } = await import('../../train/predict.ts');
      const { predictionsCsv } = await import('../../report/predictions-csv.ts');
      const { checkSameClasses, loadFinetuned } = await import('../../train/saved-model.ts');
      const { skippedLine } = await import('../../run/index.ts');
      const { settingsFromEnv, withBackendFlag } = await import('../../settings.ts');
      const settings = settingsFromEnv();
      const info = await initEngine(withBackendFlag(settings.engine, opts.backend));
      process.stderr.write(`${engineBanner(info)}\n`);
      const { model, meta } = await loadFinetuned(opts.model);
      const ds = await openDataset(opts.data, { paths: settings.paths, ...(opts.skipBad ? { skipBad: true, verify: true } : {}) });
      try {
        if (opts.skipBad) process.stderr.write(`${skippedLine(ds)}\n`);
        checkSameClasses(meta, opts.data, ds.classNames);
        const indices = opts.split === 'all' ? Array.from({ length: ds.size }, (_, i) => i) : makeSplits(ds, { seed: meta.data.seed, ratios: meta.data.ratios })[opts.split];
        if (indices.length === 0) throw new InputError(`${opts.data}: the ${opts.split} split is empty; choose another --split`);
        const p = await predictDataset(model, ds, indices, meta.preprocess, batch);
        const report = evaluateClassification(p.labels, p.probabilities, meta.classNames.length, { classNames: meta.classNames });
        if (opts.predictions) {
          writeFileSync(opts.predictions, predictionsCsv(splitPredictions(ds, p), meta.classNames));
          process.stderr.write(`predictions: ${opts.predictions}\n`);
        }
        if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else printReport(opts.split, report, meta.classNames);
      } finally {
        model.dispose();
        await ds.close();
      }
    });
}
