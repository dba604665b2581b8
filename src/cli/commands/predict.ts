import type { Command } from 'commander';
import { withoutSkipAdvice } from '../../data/problems.ts';
import { InputError } from '../../errors.ts';
import { backendOption, positiveInt } from '../options.ts';
import { summary } from './table.ts';

/** The decoder's advice names --skip-bad, a flag for datasets; predict works on the files it is given. */
async function decode(file: string) {
  const { decodeImageFile } = await import('../../data/index.ts');
  try {
    return await decodeImageFile(file);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const bare = withoutSkipAdvice(e.message);
    throw bare === e.message ? e : new InputError(`${bare}; re-export it, or leave it out of the list`);
  }
}

interface PredictOptions {
  model: string;
  batch: string;
  json?: boolean;
  backend?: string;
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description(summary('predict'))
    .argument('<images...>', 'image files (PNG, JPEG, BMP, TIFF, DICOM, …)')
    .requiredOption('--model <dir>', "folder written by 'medft finetune --out'")
    .option('--batch <n>', 'images per forward pass', '32')
    .option('--json', 'print one JSON array: file, predicted class, probabilities')
    .addOption(backendOption())
    .addHelpText('after', `
Each image is resized and normalised as recorded in the model's medft.json. Output: CSV (RFC 4180) on stdout with a
header — file, predicted, then p_<class name> per class at full precision — one row per image; --json for JSON.

Example: medft predict --model runs/bm-r50-lpft scans/*.png`)
    .action(async (images: string[], opts: PredictOptions) => {
      const batch = positiveInt(opts.batch, '--batch');
      const { engineBanner, initEngine } = await import('../../engine/index.ts');
      const { preprocess } = await import('../../data/index.ts');
      const { probabilitiesOf } = await import('../../train/predict.ts');
      const { loadFinetuned } = await import('../../train/saved-model.ts');
      const { csvField } = await import('../../report/csv.ts');
      const { settingsFromEnv, withBackendFlag } = await import('../../settings.ts');
      const info = await initEngine(withBackendFlag(settingsFromEnv().engine, opts.backend));
      process.stderr.write(`${engineBanner(info)}\n`);
      const { model, meta } = await loadFinetuned(opts.model);
      const size = meta.preprocess.inputSize;
      const per = size * size * 3;
      const k = meta.classNames.length;
      const rows: { file: string; predicted: string; probabilities: Record<string, number> }[] = [];
      if (!opts.json) process.stdout.write(`${['file', 'predicted', ...meta.classNames.map((c) => `p_${c}`)].map(csvField).join(',')}\n`);
      try {
        for (let s = 0; s < images.length; s += batch) {
          const files = images.slice(s, s + batch);
          const x = new Float32Array(files.length * per);
          for (let i = 0; i < files.length; i++) x.set(preprocess(await decode(files[i]), meta.preprocess), i * per);
          const p = probabilitiesOf(model, x, [files.length, size, size, 3]);
          files.forEach((file, i) => {
            const row = Array.from(p.subarray(i * k, (i + 1) * k));
            const best = row.indexOf(Math.max(...row));
            rows.push({ file, predicted: meta.classNames[best], probabilities: Object.fromEntries(meta.classNames.map((c, j) => [c, row[j]])) });
            if (!opts.json) process.stdout.write(`${[file, meta.classNames[best], ...row].map(csvField).join(',')}\n`);
          });
        }
      } finally {
        model.dispose();
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    });
}
