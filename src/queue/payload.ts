/**
 * What travels through Redis: a job's data (one cell, as the coordinator resolved it) and its return value (the
 * cell's result and where its files are). Workers validate every payload, because anyone who can write to the
 * queue can put anything there.
 */
import { z } from 'zod';
import { cellId, type Cell } from '../experiment/cells.ts';
import { subsetSchema } from '../experiment/spec.ts';
import type { CellResult } from '../experiment/store.ts';
import { trainConfigSchema } from '../train/config.ts';
import { MEDFT_VERSION } from '../version.ts';

const cellConfigSchema = z.object({
  dataset: z.object({ name: z.string().min(1), data: z.string().min(1), subset: subsetSchema.nullable(), skipBad: z.literal(true).optional() }).strict(),
  model: z.object({
    name: z.string().min(1),
    weights: z.string().min(1).nullable(),
    inputSize: z.number().int().positive().nullable(),
    dropout: z.number().min(0).max(1),
  }).strict(),
  strategy: z.object({ id: z.string().min(1), params: z.record(z.string(), z.unknown()) }).strict(),
  epochs: z.number().int().positive(),
  lr: z.number().positive(),
  lrCandidate: z.literal(true).optional(),
  seed: z.number().int().nonnegative(),
  train: trainConfigSchema,
}).strict();

export const cellJobSchema = z.object({
  cell: z.object({ id: z.string().regex(/^[0-9a-f]{16}$/, 'a 16-digit hex cell id'), caseName: z.string(), config: cellConfigSchema }).strict(),
  keepModel: z.boolean(),
  /** The coordinator's medft version; a worker of another version refuses the job. */
  medftVersion: z.string().min(1),
  /** The backend the coordinator asked for (--backend or MEDFT_BACKEND); null: the worker's own default. */
  backend: z.string().min(1).nullable(),
}).strict();

export type CellJob = z.output<typeof cellJobSchema>;

export interface CellJobResult {
  result: CellResult;
  /** Where the cell's files (split.json, log, kept model) are: on the worker's host, not the coordinator's. */
  artefacts: { host: string; cellDir: string };
}

/** Progress a worker reports while a cell runs: each finished epoch. */
export type CellJobProgress = { epoch: CellResult['history'][number] };

export const isEpochProgress = (p: unknown): p is CellJobProgress =>
  !!p && typeof p === 'object' && 'epoch' in p && !!(p as CellJobProgress).epoch && typeof (p as CellJobProgress).epoch.epoch === 'number';

export function makeCellJob(cell: Cell, keepModel: boolean, backend: string | null): CellJob {
  return { cell, keepModel, medftVersion: MEDFT_VERSION, backend };
}

/** The job's data, validated, or one line saying which field is wrong. */
export function parseCellJob(data: unknown): { job: CellJob } | { error: string } {
  const r = cellJobSchema.safeParse(data);
  if (!r.success) {
    const i = r.error.issues[0];
    return { error: `invalid job payload: ${i.path.join('.') || '(top level)'}: ${i.message}` };
  }
  // The id is the hash of the config as sent: a config edited in Redis no longer matches its id.
  const raw = (data as { cell: { config: unknown } }).cell.config as Cell['config'];
  if (cellId(raw) !== r.data.cell.id) return { error: `invalid job payload: cell.id ${r.data.cell.id} is not the hash of cell.config` };
  return { job: r.data };
}
