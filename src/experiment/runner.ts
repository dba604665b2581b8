/**
 * `medft run`: the experiment file → cells → the store; every cell not yet done goes to the worker pool (failed
 * ones only when asked), LR-grid candidates through successive halving unless the file asks for a plain grid; the
 * parent writes each epoch and each finished cell to the store as it arrives.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_ENGINE_SETTINGS, type EngineSettings } from '../engine/settings.ts';
import type { Paths } from '../paths.ts';
import { canonicalJson, dataKey, expandCells, type Cell } from './cells.ts';
import { cellsToRun, type CellsToRun } from './cells-to-run.ts';
import { prepareDataset, withLocalPaths } from './data.ts';
import { prepareWeights } from './weights.ts';
import type { Progress } from './estimate.ts';
import { HalvingRun } from './halving-run.ts';
import type { RunTask } from './messages.ts';
import { longestFirst } from './order.ts';
import { runPool, type PoolEvents } from './pool.ts';
import { CellRecorder } from './recorder.ts';
import { loadExperiment, type ExperimentSpec } from './spec.ts';
import { ResultsStore } from './store.ts';

export interface Plan {
  file: string;
  spec: ExperimentSpec;
  experimentId: string;
  cells: Cell[];
}

/** `skipBad` (medft run --skip-bad) turns the experiment's `skipBad` on. */
export function planExperiment(file: string, o: { skipBad?: boolean } = {}): Plan {
  const spec = loadExperiment(file);
  if (o.skipBad) spec.skipBad = true;
  const cells = expandCells(spec, file);
  const experimentId = createHash('sha256').update(canonicalJson(cells.map((c) => c.id))).digest('hex').slice(0, 16);
  return { file, spec, experimentId, cells };
}

export interface RunOptions {
  out: string;
  workers?: number;
  retryFailed?: boolean;
  download?: boolean;
  /** How to start the workers' engines (default: the defaults of an empty environment; see src/settings.ts). */
  engine?: EngineSettings;
  /** Where datasets and weights are looked up and caches go (the caller's settings); the workers get them too. */
  paths: Paths;
  /** Log the stacks of failed cells (MEDFT_DEBUG). */
  debug?: boolean;
  events?: PoolEvents & {
    /** `stopped`: LR candidates successive halving had stopped for good in earlier runs. */
    onPlan?(info: { total: number; done: number; failed: number; stopped: number; todo: Cell[] }): void;
    /** 'stopped': an LR candidate successive halving stopped for good (not among the best of its rung). */
    onCellEnd?(cell: Cell, status: 'done' | 'failed' | 'stopped', error?: string): void;
    /** Something the user should know that does not stop the run. */
    onNote?(message: string): void;
  };
}

export interface RunSummary {
  experimentId: string;
  total: number;
  skipped: number;
  ran: number;
  done: number;
  /** LR candidates stopped at a rung by successive halving. */
  stopped: number;
  failed: { cell: Cell; error: string }[];
  /** Failed in an earlier run and not retried (no --retry-failed). */
  previouslyFailed: number;
  dbPath: string;
}

/** Status and last recorded epoch of each cell in an existing store (empty when `<out>/results.db` does not exist yet). */
export function cellProgress(out: string, cells: Cell[]): Map<string, Progress> {
  const db = join(resolve(out), 'results.db');
  const m = new Map<string, Progress>();
  if (!existsSync(db)) return m;
  const store = new ResultsStore(db, { readonly: true });
  try {
    for (const c of cells) { const r = store.cell(c.id); if (r) m.set(c.id, { status: r.status, epochs: store.epochs(c.id).at(-1)?.epoch ?? 0 }); }
  } finally {
    store.close();
  }
  return m;
}

/** Status of each cell in an existing store (empty when `<out>/results.db` does not exist yet). */
export function cellStatuses(out: string, cells: Cell[]): Map<string, string> {
  return new Map([...cellProgress(out, cells)].map(([id, p]) => [id, p.status]));
}

export const defaultWorkers = () => Math.max(1, cpus().length);

/** An opened run: the store with the experiment registered, and its cells split by what is left to do. */
export interface OpenRun {
  store: ResultsStore;
  dbPath: string;
  done: Cell[];
  failedBefore: Cell[];
  /** What the rule (cells-to-run.ts) leaves to run, in the file's order. */
  toRun: CellsToRun;
}

/** Opens `<out>/results.db` (local pool and queue coordinator alike) and registers the experiment's cells. */
export function openRun(plan: Plan, out: string, retryFailed: boolean): OpenRun {
  mkdirSync(out, { recursive: true });
  const dbPath = join(out, 'results.db');
  const store = new ResultsStore(dbPath);
  store.registerExperiment(plan.experimentId, plan.spec.name, resolve(plan.file), plan.spec, plan.cells);
  const status = new Map(store.cells(plan.experimentId).map((r) => [r.id, r.status]));
  return {
    store, dbPath,
    toRun: cellsToRun(plan.cells, (id) => status.get(id), { search: plan.spec.lrSearch, retryFailed }),
    done: plan.cells.filter((c) => status.get(c.id) === 'done'),
    failedBefore: plan.cells.filter((c) => status.get(c.id) === 'failed'),
  };
}

export function summarize(plan: Plan, run: OpenRun, recorder: CellRecorder, retryFailed: boolean): RunSummary {
  const final = run.store.cells(plan.experimentId);
  return {
    experimentId: plan.experimentId,
    total: plan.cells.length,
    skipped: run.done.length,
    ran: recorder.ran,
    done: final.filter((r) => r.status === 'done').length,
    stopped: final.filter((r) => r.status === 'stopped').length,
    failed: recorder.failed,
    previouslyFailed: retryFailed ? 0 : run.failedBefore.length,
    dbPath: run.dbPath,
  };
}

export async function runExperiment(plan: Plan, o: RunOptions): Promise<RunSummary> {
  const out = resolve(o.out);
  // Paths in the file are relative to its folder; the cells keep them as written (their ids hash them so).
  const local = (c: Cell) => withLocalPaths(c, dirname(resolve(plan.file)), o.paths);
  // Resolve every dataset (and write its subset) before anything else: a missing dataset is one message, no files.
  const paths = new Map<string, string>();
  for (const c of plan.cells) {
    const d = local(c).config.dataset;
    if (!paths.has(dataKey(c))) paths.set(dataKey(c), await prepareDataset(d.data, d.subset, out, !!o.download, o.paths));
  }
  // Likewise the ImageNet weights, fetched here once rather than by every worker of an empty cache at the same time.
  await prepareWeights(plan.cells, o.paths, (m) => o.events?.onNote?.(`${m}: fetching its ImageNet weights into the cache (once; the workers wait)`));
  const run = openRun(plan, out, !!o.retryFailed);
  const { store } = run;
  try {
    const search = plan.spec.lrSearch;
    const halving = search.method === 'halving' ? new HalvingRun(plan.cells, search, plan.spec.metric, store, out, !!o.retryFailed) : null;
    const first = halving?.start() ?? { run: [], stopped: [] };
    // The search decides which of its candidates run, and how far; every other cell runs as it is.
    const { plain } = run.toRun;
    const todo = [...plain, ...(halving?.unsettled() ?? [])];
    o.events?.onPlan?.({ total: plan.cells.length, done: run.done.length, failed: o.retryFailed ? 0 : run.failedBefore.length, stopped: first.stopped.length, todo });

    // A task carries the cell with its paths resolved; the halving search and the store know it by its id.
    const task = (cell: Cell, stopAfterEpoch?: number | null): RunTask => ({
      cell: local(cell),
      dataPath: paths.get(dataKey(cell))!,
      cellDir: join(out, 'cells', cell.id),
      keepModel: plan.spec.keepModels,
      ...(stopAfterEpoch != null ? { stopAfterEpoch } : {}),
    });
    const stopAt = new Map(first.run.map((r) => [r.cell.id, r.stopAfterEpoch]));
    const tasks = longestFirst([...plain, ...first.run.map((r) => r.cell)]).map((c) => task(c, stopAt.get(c.id)));
    const byId = new Map(plan.cells.map((c) => [c.id, c]));
    const recorder = new CellRecorder(store, plan.cells, o.events?.onCellEnd);
    await runPool(tasks, {
      workers: o.workers ?? defaultWorkers(),
      engine: o.engine ?? DEFAULT_ENGINE_SETTINGS,
      paths: o.paths,
      debug: o.debug,
      logDir: join(out, 'logs'),
      events: {
        onReady: o.events?.onReady,
        onStart: (w, t) => { recorder.started(t.cell.id); o.events?.onStart?.(w, t); },
        onMessage: (w, m) => { recorder.record(m); o.events?.onMessage?.(w, m); },
      },
      followUps: (t, end) => {
        const cell = byId.get(t.cell.id)!;
        if (!halving?.has(cell)) return [];
        const next = halving.ended(cell, end.type);
        for (const c of next.stopped) recorder.stoppedForGood(c);
        return next.run.map((r) => task(r.cell, r.stopAfterEpoch));
      },
    });
    return summarize(plan, run, recorder, !!o.retryFailed);
  } finally {
    store.close();
  }
}
