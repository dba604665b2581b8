/**
 * How long a run will take, from measured step times (see probe.ts): per cell, epochs × (train images ÷ batch) train
 * steps plus a forward pass over the validation split after every epoch and over validation and test at the end.
 * Frozen phases (LP) count as full train steps, an upper bound; early stopping can only shorten a cell.
 */
import { getFamily } from '../models/index.ts';
import { dataKey, type Cell } from './cells.ts';

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

export function estimateRun(cells: Cell[], sizes: Map<string, SplitSizes>, times: Map<string, StepTimes>, workers: number): RunEstimate {
  const per = cells.map((c) => {
    const s = sizes.get(dataKey(c))!;
    const t = times.get(probeKey(probeShape(c)))!;
    const e = c.config.epochs;
    return { id: c.id, seconds: e * (s.train / c.config.train.batchSize) * t.stepSeconds + ((e + 1) * s.val + s.test) * t.forwardSecondsPerImage };
  });
  const used = Math.max(1, Math.min(workers, cells.length));
  const sum = per.reduce((a, x) => a + x.seconds, 0);
  return { cells: per, seconds: Math.max(sum / used, ...per.map((x) => x.seconds), 0), workers: used };
}
