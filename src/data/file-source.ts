/**
 * What image folders and CSV manifests share: a list of files with labels (and optional split and group), an optional
 * decode-everything verify pass, and the Dataset built over the list.
 */
import { relative } from 'node:path';
import { convertChannels, decodeImageFile } from './decode.ts';
import { Problems, withoutSkipAdvice } from './problems.ts';
import type { Dataset, DecodedImage, OpenOptions, SourceKind, SplitName, Task } from './types.ts';
import { InputError } from '../errors.ts';

export interface FileSample {
  path: string;
  label: number;
  split?: SplitName;
  group?: string;
}

/** Runs fn over items with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Decodes every file; bad ones go to `problems` (throw, skip or collect). Returns the usable samples and the channel
 * count they share (3 for a mix of grey and RGB, which is said as a warning).
 */
export async function verifySamples(samples: FileSample[], problems: Problems, opts: OpenOptions, root: string): Promise<{ samples: FileSample[]; channels?: 1 | 3 }> {
  const seen = new Map<number, string>();
  let done = 0;
  const ok = await mapLimit(samples, 16, async (s) => {
    try {
      const img = await decodeImageFile(s.path);
      if (!seen.has(img.channels)) seen.set(img.channels, s.path);
      return true;
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      // The record keeps the problem; the advice to pass --skip-bad is for the error message only.
      problems.badFile(s.path, withoutSkipAdvice(e.message.replace(`${s.path}: `, '')), e.message);
      return false;
    } finally {
      opts.onProgress?.(++done, samples.length);
    }
  });
  const kept = samples.filter((_, i) => ok[i]);
  // Grey and RGB together: the grey ones are read as RGB (each channel the grey value), as the models see them anyway.
  if (seen.size > 1 && !opts.channels) problems.warn(`${root}: grey and RGB images together (grey e.g. ${seen.get(1)}, RGB e.g. ${seen.get(3)}); grey images are read as RGB`);
  const channels = opts.channels ?? (seen.size === 1 ? ([...seen.keys()][0] as 1 | 3) : 3);
  return { samples: kept, channels };
}

export function fileDataset(args: {
  name: string;
  kind: SourceKind;
  source: string;
  root: string;
  classNames: string[];
  samples: FileSample[];
  problems: Problems;
  opts: OpenOptions;
  channels?: 1 | 3;
}): Dataset {
  const { samples, opts } = args;
  const labels = Int32Array.from(samples, (s) => s.label);
  const hasSplit = samples.length > 0 && samples.every((s) => s.split);
  const hasGroup = samples.length > 0 && samples.some((s) => s.group !== undefined);
  const task: Task = args.classNames.length === 2 ? 'binary-class' : 'multi-class';
  let firstChannels: 1 | 3 | undefined = args.channels;
  return {
    name: args.name,
    kind: args.kind,
    source: args.source,
    classNames: args.classNames,
    task,
    size: samples.length,
    labels,
    labelWidth: 1,
    groups: hasGroup ? samples.map((s) => s.group ?? '') : undefined,
    officialSplit: hasSplit ? samples.map((s) => s.split as SplitName) : undefined,
    channels: args.channels,
    skipped: args.problems.skipped,
    sampleId: (i) => relative(args.root, samples[i].path),
    filePath: (i) => samples[i].path,
    async load(i: number): Promise<DecodedImage> {
      const s = samples[i];
      if (!s) throw new RangeError(`sample ${i} out of 0..${samples.length - 1}`);
      let img = await decodeImageFile(s.path);
      if (opts.channels) return convertChannels(img, opts.channels);
      if (firstChannels === undefined) firstChannels = img.channels;
      // Without a verify pass a mix is found here; the grey images, converted or not, reach the model as RGB.
      return firstChannels === 3 || img.channels !== firstChannels ? convertChannels(img, 3) : img;
    },
    close: async () => {},
  };
}
