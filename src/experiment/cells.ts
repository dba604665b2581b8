/**
 * The grid: every dataset × model × strategy (× LR candidate, with an LR grid) × seed becomes a cell whose config is
 * fully resolved (strategy and loop defaults filled in). The cell id is a hash of that config, so the same cell in any file or any run has the same id.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { InputError, MedftError } from '../errors.ts';
import { getFamily } from '../models/index.ts';
import { planOf } from '../run/index.ts';
import { getStrategy, resolveParams } from '../strategies/index.ts';
import { resolveTrainConfig, type TrainConfig } from '../train/config.ts';
import type { ExperimentSpec } from './spec.ts';

export interface Subset { train?: number; val?: number; test?: number }

export interface CellConfig {
  /** skipBad: only when set (so cells without it keep the ids they always had). */
  dataset: { name: string; data: string; subset: Subset | null; skipBad?: true };
  model: { name: string; weights: string | null; inputSize: number | null; dropout: number };
  strategy: { id: string; params: Record<string, unknown> };
  epochs: number;
  lr: number;
  /** Set when `lr` is one candidate of an LR grid: the report keeps, per group, the candidate best on validation. */
  lrCandidate?: true;
  seed: number;
  train: TrainConfig;
}

export interface Cell {
  id: string;
  /** dataset × model, the unit the comparison is made over. */
  caseName: string;
  config: CellConfig;
}

/** JSON with object keys sorted, so equal configs hash equally whatever the key order. */
export function canonicalJson(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonicalJson).join(',')}]`;
  if (x && typeof x === 'object') {
    return `{${Object.keys(x).sort().filter((k) => (x as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((x as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(x ?? null);
}

/** The dataset a cell trains on (source and subset): cells with equal keys share one prepared dataset. */
export const dataKey = (c: Cell) => canonicalJson([c.config.dataset.data, c.config.dataset.subset]);

export function cellId(config: CellConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16);
}

function datasetName(data: string): string {
  return basename(data).replace(/\.(npz|csv|tsv)$/i, '');
}

/** Expands the spec into cells in a stable order (dataset, model, strategy, LR, seed); `source` names the file in errors. */
export function expandCells(spec: ExperimentSpec, source: string): Cell[] {
  const at = (field: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      if (e instanceof MedftError) throw new InputError(`${source}: ${field}: ${e.message}`);
      throw e;
    }
  };
  const skipBad = spec.skipBad ? (true as const) : undefined;
  const datasets = spec.datasets.map((d) => (typeof d === 'string'
    ? { name: datasetName(d), data: d, subset: spec.subset ?? null, skipBad }
    : { name: d.name ?? datasetName(d.data), data: d.data, subset: d.subset ?? spec.subset ?? null, skipBad }));
  const models = spec.models.map((m, i) => {
    const o = typeof m === 'string' ? { name: m } : m;
    at(`models[${i}]`, () => getFamily(o.name));
    const weights = o.weights ?? spec.weights;
    return { name: o.name, weights: weights === 'none' ? null : weights, inputSize: o.inputSize ?? spec.inputSize ?? null, dropout: o.dropout ?? spec.dropout };
  });
  const strategies = spec.strategies.map((s, i) => {
    const o = typeof s === 'string' ? { id: s, params: {}, lr: undefined, lrGrid: undefined } : s;
    let params: Record<string, unknown> = {};
    // The strategy's own lr or grid, else the experiment's grid, else its lr.
    const asked = o.lrGrid ?? (o.lr == null ? spec.lrGrid : undefined);
    let grid: readonly number[] | undefined;
    at(`strategies[${i}] (${o.id})`, () => { grid = asked === 'auto' ? getStrategy(o.id).lrGrid : asked; });
    const lrs = grid ?? [o.lr ?? spec.lr];
    at(`strategies[${i}] (${o.id})`, () => {
      params = resolveParams(o.id, o.params ?? {});
      // The strategy checked as each cell will run it, against each model's blocks.
      for (const model of models) for (const lr of lrs) planOf({ model, strategy: { id: o.id, params }, epochs: spec.epochs, lr });
    });
    return { id: o.id, params, lrs, lrCandidate: grid ? (true as const) : undefined };
  });
  const names = new Set<string>();
  for (const d of datasets) {
    if (names.has(d.name)) throw new InputError(`${source}: datasets: two datasets are named '${d.name}'; give one a name`);
    names.add(d.name);
  }
  const cells: Cell[] = [];
  const seen = new Set<string>();
  for (const dataset of datasets) {
    for (const model of models) {
      for (const s of strategies) {
        for (const lr of s.lrs) {
          for (const seed of spec.seeds) {
            let train!: TrainConfig;
            at('train', () => { train = resolveTrainConfig({ ...spec.train, seed }); });
            const config: CellConfig = { dataset, model, strategy: { id: s.id, params: s.params }, epochs: spec.epochs, lr, lrCandidate: s.lrCandidate, seed, train };
            const id = cellId(config);
            if (seen.has(id)) throw new InputError(`${source}: strategies: the same cell appears twice (${dataset.name} × ${model.name} × ${s.id} × lr ${lr} × seed ${seed}); remove the duplicate`);
            seen.add(id);
            cells.push({ id, caseName: `${dataset.name} × ${model.name}`, config });
          }
        }
      }
    }
  }
  return cells;
}
