/**
 * `medft datasets inspect`: opens a dataset in collecting mode (nothing throws for bad files), decodes every image
 * once, and reports per split and class counts, imbalance, image sizes, channels, bit depths, value range,
 * same-pixel duplicates (across and within splits), MedMNIST md5 and split-size checks, and every problem found.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../errors.ts';
import { mapLimit } from './file-source.ts';
import { checkMedmnistMd5, type MedmnistSize } from './medmnist.ts';
import type { NpzDataset } from './npz-source.ts';
import { openDataset, type OpenDatasetOptions } from './open.ts';
import { Problems } from './problems.ts';
import { classCounts } from './splits.ts';
import { SPLIT_NAMES, type BadFile, type Dataset, type SplitName } from './types.ts';

export interface SplitSummary {
  split: SplitName | 'all';
  size: number;
  classCounts: number[];
  /** Largest class count / smallest class count (null when a class is absent). */
  imbalance: number | null;
}

export interface InspectReport {
  name: string;
  kind: string;
  source: string;
  task: string;
  classNames: string[];
  total: number;
  splits: SplitSummary[];
  imageSizes: { width: number; height: number; count: number }[];
  channels: { channels: number; count: number }[];
  bitDepths: { bits: number; count: number }[];
  formats: { format: string; count: number }[];
  valueRange: { min: number; max: number } | null;
  duplicates: {
    /** Images whose exact pixels also occur in another split. */
    crossSplitImages: number;
    crossSplitGroups: number;
    /** Extra copies within the same split (group size − 1, summed). */
    withinSplitCopies: number;
    examples: string[][];
  };
  medmnist?: {
    name: string;
    modality: string;
    license: string;
    md5: string;
    md5Status: 'official' | 'legacy' | 'modified';
    officialMd5: string;
    officialSplits: Record<SplitName, number>;
  };
  problems: string[];
  warnings: string[];
  skipped: BadFile[];
}

const tally = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);

export function summarizeSplits(ds: Dataset): SplitSummary[] {
  const summary = (split: SplitName | 'all', idx: number[]): SplitSummary => {
    const counts = classCounts(ds, idx);
    const min = Math.min(...counts);
    return { split, size: idx.length, classCounts: counts, imbalance: min > 0 ? Math.max(...counts) / min : null };
  };
  const all = Array.from({ length: ds.size }, (_, i) => i);
  if (!ds.officialSplit) return [summary('all', all)];
  const out: SplitSummary[] = [];
  for (const s of SPLIT_NAMES) {
    const idx = all.filter((i) => ds.officialSplit![i] === s);
    if (idx.length) out.push(summary(s, idx));
  }
  out.push(summary('all', all));
  return out;
}

export async function inspectDataset(spec: string, opts: OpenDatasetOptions & { onProgress?: (done: number, total: number) => void }): Promise<InspectReport> {
  const problems = new Problems('collect');
  const ds = await openDataset(spec, { ...opts, problems, collect: true, verify: false, onProgress: undefined });
  try {
    const sizes = new Map<string, number>();
    const chans = new Map<number, number>();
    const bits = new Map<number, number>();
    const formats = new Map<string, number>();
    const byHash = new Map<string, number[]>();
    let min = Infinity;
    let max = -Infinity;
    const bad = new Set<number>();
    let done = 0;
    await mapLimit(Array.from({ length: ds.size }, (_, i) => i), 16, async (i) => {
      try {
        const img = await ds.load(i);
        tally(sizes, `${img.width}x${img.height}`);
        tally(chans, img.channels);
        tally(bits, img.bitDepth);
        tally(formats, img.format);
        const d = img.data;
        for (let k = 0; k < d.length; k++) {
          const v = d[k];
          if (v < min) min = v;
          if (v > max) max = v;
        }
        const h = createHash('sha1').update(`${img.width}x${img.height}x${img.channels}:`).update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)).digest('hex');
        const list = byHash.get(h);
        if (list) list.push(i);
        else byHash.set(h, [i]);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        bad.add(i);
        problems.skipped.push({ file: ds.filePath(i) ?? ds.sampleId(i), problem: e.message });
      } finally {
        opts.onProgress?.(++done, ds.size);
      }
    });
    if (chans.size > 1) problems.warnings.push(`${ds.source}: grey and RGB images together (${[...chans].map(([c, n]) => `${n} with ${c} channel${c === 1 ? '' : 's'}`).join(', ')}); grey images are read as RGB`);
    if (sizes.size > 1) problems.warnings.push(`${ds.source}: images have ${sizes.size} different sizes; all are resized to the model's input size`);

    let crossSplitImages = 0;
    let crossSplitGroups = 0;
    let withinSplitCopies = 0;
    const examples: string[][] = [];
    for (const members of byHash.values()) {
      if (members.length < 2) continue;
      const splitOf = (i: number) => ds.officialSplit?.[i] ?? 'all';
      const splits = new Set(members.map(splitOf));
      if (splits.size > 1) {
        crossSplitGroups++;
        crossSplitImages += members.length;
        if (examples.length < 5) examples.push(members.slice(0, 4).map((i) => ds.sampleId(i)));
      }
      for (const s of splits) {
        const n = members.filter((i) => splitOf(i) === s).length;
        if (n > 1) withinSplitCopies += n - 1;
      }
    }
    if (crossSplitGroups > 0) {
      problems.warnings.push(`${crossSplitImages} images in ${crossSplitGroups} groups have identical pixels in more than one split (leakage between splits), e.g. ${examples[0].join(' = ')}`);
    }
    if (withinSplitCopies > 0) problems.warnings.push(`${withinSplitCopies} images are exact pixel copies of another image in the same split`);

    let medmnist: InspectReport['medmnist'];
    const npz = ds as NpzDataset;
    if (ds.kind === 'npz' && npz.medmnist) {
      const info = npz.medmnist;
      const size = (npz.imageSize?.width ?? 28) as MedmnistSize;
      const check = await checkMedmnistMd5(ds.source, info, size);
      const official = check.status === 'legacy' && info.legacy ? info.legacy.splits : info.splits;
      medmnist = { name: info.name, modality: info.modality, license: info.license, md5: check.md5, md5Status: check.status, officialMd5: check.expected, officialSplits: official };
      if (check.status === 'modified') problems.warnings.push(`${ds.source}: md5 ${check.md5} is not the official ${check.expected} (${info.name}, ${size}×${size}); this is a modified copy`);
      for (const s of SPLIT_NAMES) {
        const got = npz.splitSizes[s] ?? 0;
        if (got !== official[s]) problems.warnings.push(`${ds.source}: ${s} split has ${got} samples, official ${info.name} has ${official[s]}`);
      }
    }
    const splits = summarizeSplits(ds);
    for (const s of splits) {
      const absent = s.classCounts.map((c, k) => (c === 0 ? ds.classNames[k] : null)).filter((x) => x !== null);
      if (absent.length && s.split !== 'all' && ds.labelWidth === 1) problems.warnings.push(`${s.split} split has no samples of class(es) ${absent.join(', ')}`);
    }
    return {
      name: ds.name,
      kind: ds.kind,
      source: ds.source,
      task: ds.task,
      classNames: [...ds.classNames],
      total: ds.size,
      splits,
      imageSizes: [...sizes].map(([k, count]) => ({ width: Number(k.split('x')[0]), height: Number(k.split('x')[1]), count })).sort((a, b) => b.count - a.count),
      channels: [...chans].map(([channels, count]) => ({ channels, count })).sort((a, b) => a.channels - b.channels),
      bitDepths: [...bits].map(([b, count]) => ({ bits: b, count })).sort((a, b) => a.bits - b.bits),
      formats: [...formats].map(([format, count]) => ({ format, count })).sort((a, b) => b.count - a.count),
      valueRange: Number.isFinite(min) ? { min, max } : null,
      duplicates: { crossSplitImages, crossSplitGroups, withinSplitCopies, examples },
      medmnist,
      problems: problems.issues,
      warnings: problems.warnings,
      skipped: problems.skipped,
    };
  } finally {
    await ds.close();
  }
}
