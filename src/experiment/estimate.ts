/**
 * How long a run will take, from measured step times (see probe.ts): per cell, epochs × (train images ÷ batch) train
 * steps plus a forward pass over the validation split after every epoch and over validation and test at the end.
 * Under successive halving a cell trains its share of its LR group's schedule (halving.ts), not all epochs.
 * Frozen phases (LP) count as full train steps, an upper bound; early stopping can only shorten a cell.
 */
import { getFamily } from '../models/index.ts';
import { dataKey, type Cell } from './cells.ts';
import { cellsToRun } from './cells-to-run.ts';
import { groupRungs, lrGroups, scheduleEpochs } from './halving.ts';
import type { LrSearch } from './spec.ts';

export interface SplitSizes { train: number; val: number; test: number }
/** One probe's measurements: a full train step of one batch, and a forward pass per image. */
export interface StepTimes { stepSeconds: number; forwardSecondsPerImage: number }

export interface ProbeShape { model: string; inputSize: number; batchSize: number }

export const probeShape = (c: Cell): ProbeShape => ({
  model: c.config.model.name, inputSize: c.config.model.inputSize ?? getFamily(c.config.model.name).defaultInputSize, batchSize: c.config.train.batchSize,
});
export const probeKey = (p: ProbeShape) => `${p.model} ${p.inputSize}px b${p.batchSize}`;

export interface RunEstimate {
  cells: { id: string; seconds: number }[];
  /** max(sum ÷ workers, longest cell): no worker can finish before its longest cell. */
  seconds: number;
  workers: number;
}

/** What a cell still has to do: epochs to train and final evaluations (validation and test), maybe fractions. */
export interface Work { epochs: number; finals: number }

/** Where a cell stands in the store: its status and the last epoch recorded. */
export interface Progress { status: string; epochs: number }

/**
 * The work left per cell that a run would start (absent: none). A plain cell: all its epochs and one final
 * evaluation, unless done (or failed, without retryFailed). An LR group under successive halving: its schedule's
 * epochs less those its candidates trained, and its finals less those done, shared by its open candidates.
 */
export function plannedWork(cells: Cell[], search: LrSearch, progress: Map<string, Progress>, retryFailed: boolean): Map<string, Work> {
  const out = new Map<string, Work>();
  const status = (c: Cell) => progress.get(c.id)?.status ?? 'new';
  const { plain, candidates } = cellsToRun(cells, (id) => progress.get(id)?.status, { search, retryFailed });
  for (const c of plain) out.set(c.id, { epochs: c.config.epochs, finals: 1 });
  const open = new Set(candidates.map((c) => c.id));
  const groups = search.method === 'halving' ? lrGroups(cells) : new Map<string, Cell[]>();
  for (const group of groups.values()) {
    const rungs = groupRungs(search, group.length, group[0].config.epochs);
    const trained = group.reduce((a, c) => a + (status(c) === 'done' ? c.config.epochs : progress.get(c.id)?.epochs ?? 0), 0);
    const epochs = Math.max(0, scheduleEpochs(rungs) - trained);
    const finals = Math.max(0, rungs.at(-1)!.candidates - group.filter((c) => status(c) === 'done').length);
    const sharing = group.filter((c) => open.has(c.id));
    if (epochs + finals > 0) for (const c of sharing) out.set(c.id, { epochs: epochs / sharing.length, finals: finals / sharing.length });
  }
  return out;
}

/** `work`: per cell (default: all its epochs and one final evaluation). */
export function estimateRun(cells: Cell[], sizes: Map<string, SplitSizes>, times: Map<string, StepTimes>, workers: number, work?: Map<string, Work>): RunEstimate {
  const seconds = (c: Cell, w: Work) => {
    const s = sizes.get(dataKey(c))!;
    const t = times.get(probeKey(probeShape(c)))!;
    return w.epochs * ((s.train / c.config.train.batchSize) * t.stepSeconds + s.val * t.forwardSecondsPerImage) + w.finals * (s.val + s.test) * t.forwardSecondsPerImage;
  };
  const full = (c: Cell) => seconds(c, { epochs: c.config.epochs, finals: 1 });
  const per = cells.map((c) => ({ id: c.id, seconds: seconds(c, work?.get(c.id) ?? { epochs: c.config.epochs, finals: 1 }) }));
  const used = Math.max(1, Math.min(workers, cells.length));
  const sum = per.reduce((a, x) => a + x.seconds, 0);
  // No worker finishes before its longest cell: a plain cell, or the one candidate of a group that trains all epochs.
  return { cells: per, seconds: Math.max(sum / used, ...cells.map(full), 0), workers: used };
}
