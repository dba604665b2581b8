/**
 * A local pool of worker processes, each with its own engine, running one cell at a time. A cell that throws is
 * reported failed and the worker takes the next one; a worker that dies (crash, out of memory) fails its cell and is
 * replaced. The parent receives every event, in order per worker.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ResourceError } from '../errors.ts';
import type { FromWorker, RunTask, ToWorker } from './messages.ts';

export interface PoolEvents {
  onReady?(worker: number, banner: string): void;
  onStart?(worker: number, task: RunTask): void;
  /** Every message about a cell (epoch-start, batch, epoch, done, failed). */
  onMessage?(worker: number, msg: Exclude<FromWorker, { type: 'ready' } | { type: 'init-failed' }>): void;
}

export interface PoolOptions {
  workers: number;
  backend?: string;
  /** Folder for each worker's stderr (worker-<n>.log). */
  logDir: string;
  events?: PoolEvents;
}

// Compiled into dist/ (scripts/build-js.mjs), this module's siblings are .js files that need no TypeScript loader.
const compiled = import.meta.url.endsWith('.js');
const workerFile = new URL(compiled ? './worker.js' : './worker.ts', import.meta.url);
const loaderArgs = compiled ? [] : ['--import', import.meta.resolve('tsx')];

/**
 * Each cell process gets its share of the cores (MEDFT_CORE_SHARE): the oneDNN accelerator (when built) runs its
 * convolutions on that many threads (MEDFT_ACCELERATOR_THREADS, unless the user chose), and on pure wasm a cell
 * splits its batches over that many data-parallel replicas. Several workers would otherwise oversubscribe the cores.
 */
export function workerEnv(workers: number): NodeJS.ProcessEnv {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const share = String(Math.max(1, Math.floor(cores / Math.max(1, workers))));
  return { ...process.env, MEDFT_CORE_SHARE: share, MEDFT_ACCELERATOR_THREADS: process.env.MEDFT_ACCELERATOR_THREADS ?? share };
}

/** One cell process (./worker.ts), its stdout and stderr appended to `logFile`; `siblings` processes share the cores. */
export function forkCellProcess(logFile: string, siblings: number): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    return fork(workerFile, [], {
      execArgv: loaderArgs, stdio: ['ignore', fd, fd, 'ipc'], serialization: 'advanced', env: workerEnv(siblings),
    });
  } finally {
    closeSync(fd);
  }
}

export async function runPool(tasks: RunTask[], o: PoolOptions): Promise<void> {
  const queue = [...tasks];
  if (queue.length === 0) return;
  mkdirSync(o.logDir, { recursive: true });
  let initError: string | null = null;
  let slots = 0;

  await new Promise<void>((resolveAll) => {
    const live = new Set<ChildProcess>();
    const finish = () => { if (live.size === 0) resolveAll(); };

    const start = (n: number) => {
      const child = forkCellProcess(join(o.logDir, `worker-${n}.log`), o.workers);
      live.add(child);
      let current: RunTask | null = null;
      const next = () => {
        current = initError ? null : queue.shift() ?? null;
        if (!current) { child.disconnect(); return; }
        o.events?.onStart?.(n, current);
        child.send({ type: 'run', ...current } satisfies ToWorker);
      };
      child.on('message', (m: FromWorker) => {
        if (m.type === 'ready') { o.events?.onReady?.(n, m.banner); next(); return; }
        if (m.type === 'init-failed') { initError = m.error; return; }
        o.events?.onMessage?.(n, m);
        if (m.type === 'done' || m.type === 'failed') { current = null; next(); }
      });
      child.on('exit', (code, signal) => {
        live.delete(child);
        if (current) {
          o.events?.onMessage?.(n, { type: 'failed', cellId: current.cell.id, error: `worker process died (${signal ?? `exit code ${code}`}); see ${join(o.logDir, `worker-${n}.log`)}` });
          current = null;
          if (queue.length > 0 && !initError) start(++slots);
        }
        finish();
      });
      child.send({ type: 'init', backend: o.backend } satisfies ToWorker);
    };

    const n = Math.max(1, Math.min(o.workers, queue.length));
    for (let i = 0; i < n; i++) start(++slots);
  });
  if (initError) throw new ResourceError(`a worker could not start its engine: ${initError}`);
}
