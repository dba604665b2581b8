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
 * count they share. Mixed channel counts are a dataset problem unless the user fixed `channels`.
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
  if (seen.size > 1 && !opts.channels) {
    problems.fatal(`${root}: images have mixed channel counts (grey e.g. ${seen.get(1)}, RGB e.g. ${seen.get(3)}); ` +
      'convert them to one kind, or pass --channels 3 (or 1) to convert while loading');
  }
  const channels = opts.channels ?? (seen.size === 1 ? ([...seen.keys()][0] as 1 | 3) : undefined);
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
      if (opts.channels) img = convertChannels(img, opts.channels);
      else if (firstChannels === undefined) firstChannels = img.channels;
      else if (img.channels !== firstChannels) {
        throw new InputError(`${s.path}: has ${img.channels} channel(s) but earlier images have ${firstChannels} (mixed channel counts); ` +
          'convert the images to one kind, or pass --channels 3 (or 1)');
      }
      return img;
    },
    close: async () => {},
  };
}
