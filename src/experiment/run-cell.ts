/**
 * One cell, in a worker: fine-tune with the cell's resolved config into `<out>/cells/<id>/`, resuming from that
 * folder's checkpoint when an earlier run was killed mid-cell, and return everything the store keeps (with the
 * per-image val/test predictions, which the report's intervals and paired tests need).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { engineInfo } from '../engine/index.ts';
import type { EngineSettings } from '../engine/settings.ts';
import type { Paths } from '../paths.ts';
import { buildPlan } from '../strategies/index.ts';
import { checkpointExists } from '../train/checkpoint.ts';
import { finetune } from '../train/finetune.ts';
import { resolveReplicas } from '../train/replicas.ts';
import type { EpochRecord } from '../train/loop.ts';
import type { Cell } from './cells.ts';
import type { CellResult } from './store.ts';
import { MEDFT_VERSION } from '../version.ts';

export interface CellEvents {
  onEpochStart?(epoch: number, batches: number): void;
  onBatch?(epoch: number, batch: number, batches: number): void;
  onEpochEnd?(record: EpochRecord): void;
}

/**
 * The settings' replicas (MEDFT_REPLICAS) when the user set them, else on pure wasm the process's share of the cores
 * (coreShare, set by the pool) as data-parallel replicas; one engine otherwise. Replica counts change the last bits
 * of a cell's numbers.
 */
export function cellReplicas(engine: EngineSettings): number {
  return resolveReplicas(engine.replicas, engineInfo(), engine.coreShare, 'MEDFT_REPLICAS');
}

/** A run cut short at stopAfterEpoch: its checkpoint stays in the cell folder to continue from. */
export interface StoppedCell { stopped: true; history: EpochRecord[] }

/**
 * `engine`: the settings this process's engine was started with (its replicas, core share and memory check); `paths`:
 * where the cell's weights are looked up and caches go.
 */
export async function runCell(cell: Cell, engine: EngineSettings, paths: Paths, dataPath: string, cellDir: string, keepModel: boolean, events?: CellEvents): Promise<CellResult>;
export async function runCell(cell: Cell, engine: EngineSettings, paths: Paths, dataPath: string, cellDir: string, keepModel: boolean, events: CellEvents, stopAfterEpoch: number | undefined): Promise<CellResult | StoppedCell>;
export async function runCell(cell: Cell, engine: EngineSettings, paths: Paths, dataPath: string, cellDir: string, keepModel: boolean, events: CellEvents = {}, stopAfterEpoch?: number): Promise<CellResult | StoppedCell> {
  const c = cell.config;
  const t0 = performance.now();
  let tTrain = 0;
  const replicas = cellReplicas(engine);
  const res = await finetune({
    data: dataPath,
    paths,
    skipBad: c.dataset.skipBad,
    model: c.model.name,
    weights: c.model.weights,
    inputSize: c.model.inputSize ?? undefined,
    dropout: c.model.dropout,
    makePlan: (blocks) => buildPlan(c.strategy.id, { blocks, epochs: c.epochs, lr: c.lr }, c.strategy.params),
    epochs: c.epochs,
    lr: c.lr,
    config: c.train,
    out: cellDir,
    // A cell's folder is the cell's own: continue a checkpoint an interrupted run left, else start (over) afresh.
    resume: checkpointExists(join(cellDir, 'checkpoint')),
    force: true,
    stopAfterEpoch,
    replicas,
    skipMemoryCheck: engine.skipMemoryCheck,
    events: {
      onEpochStart: (i) => { if (tTrain === 0) tTrain = performance.now(); events.onEpochStart?.(i.epoch, i.batches); },
      onBatch: (b) => events.onBatch?.(b.epoch, b.batch, b.batches),
      onEpochEnd: (r) => events.onEpochEnd?.(r),
    },
  });
  if (res.training.interrupted) return { stopped: true, history: res.training.history };
  const record = JSON.parse(readFileSync(join(cellDir, 'split.json'), 'utf8')) as { method: string; seed: number; splits: Record<string, { size: number; classCounts: number[]; sha256: string }> };
  // Sizes, class counts and a hash of the sample ids per split (the ids themselves stay in split.json).
  const split = { method: record.method, seed: record.seed, splits: Object.fromEntries(Object.entries(record.splits).map(([k, v]) => [k, { size: v.size, classCounts: v.classCounts, sha256: v.sha256 }])) };
  if (!keepModel) for (const f of ['model.json', 'weights.bin']) if (existsSync(join(cellDir, f))) rmSync(join(cellDir, f));
  const total = (performance.now() - t0) / 1000;
  return {
    val: res.metrics?.val ?? null,
    test: res.metrics?.test ?? null,
    predictions: { val: res.predictions?.val ?? null, test: res.predictions?.test ?? null },
    bestEpoch: res.training.bestEpoch,
    history: res.training.history,
    timings: {
      total,
      train: res.training.seconds,
      setup: tTrain ? (tTrain - t0) / 1000 : 0,
      epochs: res.training.history.reduce((a, r) => a + r.seconds, 0),
    },
    environment: {
      medftVersion: MEDFT_VERSION,
      engine: { ...engineInfo(), replicas },
      platform: `${process.platform}-${process.arch}`,
      model: { name: res.spec.name, inputSize: res.spec.inputSize, params: res.spec.params },
      plan: res.plan,
      data: {
        name: res.dataset.name, source: res.dataset.source, classNames: res.dataset.classNames, ...split,
        ...(c.dataset.skipBad ? { skipBad: true, skipped: res.dataset.skipped } : {}),
      },
      resumedAt: res.training.resumedAt,
    },
  };
}
