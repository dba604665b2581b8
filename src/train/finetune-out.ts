/**
 * What a `finetune --out` folder may already hold, decided before any work: a finished model is not overwritten and an
 * unfinished run's checkpoint is not thrown away without `--force`, and `--resume` needs a checkpoint to resume from.
 * Each of these used to happen silently.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { assertNotAFile } from '../out-dir.ts';
import { checkpointExists } from './checkpoint.ts';

/** Everything a finetune run writes into its folder (`checkpoint` while it runs). */
export const FINETUNE_OUTPUTS = ['model.json', 'weights.bin', 'medft.json', 'metrics.json', 'curves.csv', 'learning-curves.svg', 'roc-pr.svg', 'split.json', 'checkpoint'];

const MODEL_FILES = ['model.json', 'medft.json'];

/** finetune keeps its checkpoint in <out>/checkpoint (which holds the current one and its swap folders). */
const hasCheckpoint = (out: string) => checkpointExists(join(out, 'checkpoint'));

export function checkFinetuneOut(out: string, o: { resume?: boolean; force?: boolean }): void {
  assertNotAFile(out);
  const model = MODEL_FILES.filter((f) => existsSync(join(out, f)));
  if (o.resume) {
    if (hasCheckpoint(out)) return;
    if (!existsSync(out)) throw new InputError(`--resume: ${out} does not exist, so there is no checkpoint to continue from; drop --resume to start a new run`);
    throw new InputError(`--resume: ${out} holds no checkpoint to continue from (nothing in ${join(out, 'checkpoint')}); ` +
      (model.length ? `the run there finished (${model.join(', ')} present): pass --force instead of --resume to train it again` : 'drop --resume to start a new run'));
  }
  if (o.force) return;
  if (model.length) throw new InputError(`${out} already holds a model (${model.join(', ')}); choose another --out, or pass --force to overwrite it`);
  if (hasCheckpoint(out)) throw new InputError(`${out} holds the checkpoint of an unfinished run; add --resume to continue it, or --force to start over`);
}

/** With --force: the earlier run's files go before the new run writes, so the folder never mixes two runs. */
export function clearFinetuneOut(out: string): void {
  for (const f of FINETUNE_OUTPUTS) rmSync(join(out, f), { recursive: true, force: true });
}

/** What makes a failed run's folder worth keeping: a checkpoint to resume from, or a saved model. */
export const finetuneOutUseful = (dir: string): boolean => hasCheckpoint(dir) || existsSync(join(dir, 'model.json'));
