/**
 * One cell, in a worker: its RunSpec (the cell's config plus the engine this process runs) carried out into
 * `<out>/cells/<id>/`, resuming from that folder's checkpoint when an earlier run was killed mid-cell, and returned as
 * everything the store keeps (with the per-image val/test predictions, which the report's intervals and paired tests
 * need).
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { engineInfo } from '../engine/index.ts';
import type { EngineSettings } from '../engine/settings.ts';
import { resolveStepEngine } from '../engine/whole-step/choice.ts';
import type { Paths } from '../paths.ts';
import { runSpec, type RunSpec } from '../run/index.ts';
import { checkpointExists } from '../train/checkpoint.ts';
import { resolveReplicas } from '../train/data-parallel/index.ts';
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

/**
 * A cell's RunSpec: its config as it is (already resolved when the cells were expanded), the data at `dataPath` (the
 * subset file when the experiment asks for one), and `engine`, the settings this process's engine was started with.
 * The config's own `seed` is the train config's seed (kept twice in the config because cell ids hash it).
 */
export function cellRunSpec(cell: Cell, dataPath: string, engine: EngineSettings): RunSpec {
  const c = cell.config;
  const replicas = cellReplicas(engine);
  return {
    data: { path: dataPath, skipBad: !!c.dataset.skipBad },
    model: c.model,
    strategy: c.strategy,
    epochs: c.epochs,
    lr: c.lr,
    train: c.train,
    featureCache: true,
    engine: { ...engine, replicas, step: resolveStepEngine(engine.step, engine, replicas, 'MEDFT_ENGINE') },
  };
}

/** A run cut short at stopAfterEpoch: its checkpoint stays in the cell folder to continue from. */
export interface StoppedCell { stopped: true; history: EpochRecord[] }

/** `paths`: where the cell's weights are looked up and caches go (not part of the spec: it changes no number). */
export async function runCell(cell: Cell, engine: EngineSettings, paths: Paths, dataPath: string, cellDir: string, keepModel: boolean, events?: CellEvents): Promise<CellResult>;
export async function runCell(cell: Cell, engine: EngineSettings, paths: Paths, dataPath: string, cellDir: string, keepModel: boolean, events: CellEvents, stopAfterEpoch: number | undefined): Promise<CellResult | StoppedCell>;
export async function runCell(cell: Cell, engine: EngineSettings, paths: Paths, dataPath: string, cellDir: string, keepModel: boolean, events: CellEvents = {}, stopAfterEpoch?: number): Promise<CellResult | StoppedCell> {
  const t0 = performance.now();
  let tTrain = 0;
  const spec = cellRunSpec(cell, dataPath, engine);
  const res = await runSpec(spec, {
    out: cellDir,
    paths,
    // A cell's folder is the cell's own: continue a checkpoint an interrupted run left, else start (over) afresh.
    resume: checkpointExists(join(cellDir, 'checkpoint')),
    force: true,
    stopAfterEpoch,
    events: {
      onEpochStart: (i) => { if (tTrain === 0) tTrain = performance.now(); events.onEpochStart?.(i.epoch, i.batches); },
      onBatch: (b) => events.onBatch?.(b.epoch, b.batch, b.batches),
      onEpochEnd: (r) => events.onEpochEnd?.(r),
    },
  });
  if (res.training.interrupted) return { stopped: true, history: res.training.history };
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
      engine: res.engine,
      platform: `${process.platform}-${process.arch}`,
      model: res.model,
      plan: res.plan,
      data: {
        name: res.dataset.name, source: res.dataset.source, classNames: res.dataset.classNames, ...res.split,
        ...(spec.data.skipBad ? { skipBad: true, skipped: res.dataset.skipped } : {}),
      },
      resumedAt: res.training.resumedAt,
      spec,
    },
  };
}
