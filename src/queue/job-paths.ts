/**
 * The only files a job can make a worker open: a dataset named by its MedMNIST name or by a path relative to the
 * worker's data dir, and starting weights ('imagenet' or a path relative to that same dir). Absolute paths and `..`
 * are refused on both sides: by the coordinator before anything is queued, and by the worker for whatever it dequeues.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { resolveMedmnist } from '../data/medmnist.ts';
import { InputError } from '../errors.ts';
import type { Cell } from '../experiment/cells.ts';
import type { Paths } from '../paths.ts';

/** Why a path from a job may not be used, or null when it is a plain relative path. */
export function unsafeJobPath(p: string): string | null {
  if (p.includes('\0')) return 'it holds a NUL byte';
  if (isAbsolute(p) || /^[A-Za-z]:|^[\\/]/.test(p)) return 'it is absolute (queued cells name files relative to the worker\'s data dir)';
  if (p.split(/[\\/]/).includes('..')) return "it climbs out with '..' (queued cells name files relative to the worker's data dir)";
  return null;
}

const weightsPath = (w: string | null) => (w == null || w === 'imagenet' ? null : w);

/** The coordinator's check of a whole grid, naming the file and field of the first path a worker would refuse. */
export function checkQueueable(cells: Cell[], source: string): void {
  for (const c of cells) {
    const why = unsafeJobPath(c.config.dataset.data);
    if (why) throw new InputError(`${source}: dataset '${c.config.dataset.data}' cannot go on the queue: ${why}`);
    const w = weightsPath(c.config.model.weights);
    const whyW = w == null ? null : unsafeJobPath(w);
    if (whyW) throw new InputError(`${source}: weights '${w}' of model ${c.config.model.name} cannot go on the queue: ${whyW}`);
  }
}

/** `rel` inside `dir`, refusing anything that would land outside it. */
export function insideDir(dir: string, rel: string, what: string): string {
  const why = unsafeJobPath(rel);
  if (why) throw new InputError(`${what} '${rel}' refused: ${why}`);
  const p = resolve(dir, rel);
  const r = relative(resolve(dir), p);
  if (r.startsWith('..') || isAbsolute(r)) throw new InputError(`${what} '${rel}' refused: it resolves outside the data dir ${dir}`);
  return p;
}

/**
 * A job's dataset as a path under the worker's data dir (a bare MedMNIST name may also sit in the download cache, that
 * of `paths`).
 */
export async function jobDataPath(data: string, dataDir: string, paths: Paths): Promise<string> {
  const p = insideDir(dataDir, data, 'dataset');
  if (existsSync(p)) return p;
  if (/^[a-z0-9_]+$/i.test(data)) {
    try {
      return (await resolveMedmnist(data, { download: false, paths: { ...paths, dataDir } })).path;
    } catch { /* not a MedMNIST name, or not there either: the message below says where it was looked for */ }
  }
  throw new InputError(`dataset '${data}' not found in this worker's data dir ${dataDir} (nor, as a MedMNIST name, in its cache)`);
}

/** A job's starting weights: 'imagenet', none, or a path under the worker's data dir. */
export function jobWeights(weights: string | null, dataDir: string): string | null {
  const w = weightsPath(weights);
  return w == null ? weights : insideDir(dataDir, w, 'weights');
}
