import { Option, type Command } from 'commander';
import { makeSplits, openDataset } from '../../data/index.ts';
import { engineBanner, initEngine } from '../../engine/backend.ts';
import { InputError } from '../../errors.ts';
import { evaluateClassification, type ClassificationReport } from '../../eval/index.ts';
import { predictDataset } from '../../train/predict.ts';
import { skippedLine } from '../../train/finetune.ts';
import { loadFinetuned } from '../../train/saved-model.ts';
import { backendOption } from '../options.ts';
import { positiveInt } from '../options.ts';

const f = (x: number | null) => (x == null ? '–' : x.toFixed(4));

/** The metrics of one split as a few lines on stdout. */
export function printReport(split: string, r: ClassificationReport, classNames: readonly string[]): void {
  const lines = [
    `${split} (n = ${r.n}): accuracy ${f(r.accuracy)} · balanced accuracy ${f(r.balancedAccuracy)} · macro-F1 ${f(r.macroF1)} · macro AUC ${f(r.macroAuc)} · ECE ${f(r.ece)} · NLL ${f(r.nll)}`,
    `per-class recall: ${r.perClass.map((c) => `${classNames[c.class] ?? c.class} ${f(c.recall)}`).join(' · ')}`,
    'confusion matrix (rows: true, columns: predicted):',
    ...r.confusionMatrix.map((row, i) => `  ${String(classNames[i] ?? i).padEnd(12)} ${row.map((v) => String(v).padStart(6)).join('')}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

interface EvaluateOptions {
  model: string;
  data: string;
  split: 'train' | 'val' | 'test' | 'all';
  batch: string;
  json?: boolean;
  skipBad?: boolean;
  backend?: string;
}

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('evaluate a fine-tuned model folder on a dataset split: accuracy, balanced accuracy, macro-F1, AUC, ECE, confusion')
    .requiredOption('--model <dir>', "folder written by 'medft finetune --out'")
    .requiredOption('--data <path|name>', 'dataset (same classes, in the same order, as the model was trained on)')
    .addOption(new Option('--split <name>', "which samples: the dataset's split drawn with the run's seed, or all").choices(['train', 'val', 'test', 'all']).default('test'))
    .option('--batch <n>', 'inference batch size', '64')
    .option('--json', 'print the full metrics report as JSON')
    .option('--skip-bad', 'skip image files that cannot be used, as finetune --skip-bad does (give it here too when the model was trained with it: the splits then match)')
    .addOption(backendOption())
    .addHelpText('after', `
The preprocessing (input size, channel order, normalisation) comes from the model folder's medft.json.

Example: medft evaluate --model runs/bm-r50-lpft --data breastmnist --split test`)
    .action(async (opts: EvaluateOptions) => {
      const batch = positiveInt(opts.batch, '--batch');
      const info = await initEngine(opts.backend);
      process.stderr.write(`${engineBanner(info)}\n`);
      const { model, meta } = await loadFinetuned(opts.model);
      const ds = await openDataset(opts.data, opts.skipBad ? { skipBad: true, verify: true } : {});
      try {
        if (opts.skipBad) process.stderr.write(`${skippedLine(ds)}\n`);
        if (ds.classNames.length !== meta.classNames.length) {
          throw new InputError(`${opts.data} has ${ds.classNames.length} classes but the model was trained on ${meta.classNames.length} (${meta.classNames.join(', ')})`);
        }
        const indices = opts.split === 'all' ? Array.from({ length: ds.size }, (_, i) => i) : makeSplits(ds, { seed: meta.data.seed, ratios: meta.data.ratios })[opts.split];
        if (indices.length === 0) throw new InputError(`${opts.data}: the ${opts.split} split is empty; choose another --split`);
        const p = await predictDataset(model, ds, indices, meta.preprocess, batch);
        const report = evaluateClassification(p.labels, p.probabilities, meta.classNames.length, { classNames: meta.classNames });
        if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else printReport(opts.split, report, meta.classNames);
      } finally {
        model.dispose();
        await ds.close();
      }
    });
}
