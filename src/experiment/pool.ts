/**
 * A local pool of worker processes, each with its own engine, running one cell at a time. A cell that throws is
 * reported failed and the worker takes the next one; a worker that dies (crash, out of memory) fails its cell and is
 * replaced. The parent receives every event, in order per worker, and may add tasks as others end.
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
  /** Every message about a cell (epoch-start, batch, epoch, done, failed, stopped). */
  onMessage?(worker: number, msg: Exclude<FromWorker, { type: 'ready' } | { type: 'init-failed' }>): void;
}

export interface PoolOptions {
  workers: number;
  backend?: string;
  /** Folder for each worker's stderr (worker-<n>.log). */
  logDir: string;
  events?: PoolEvents;
  /** Tasks that become ready when `task` ends (after onMessage has seen the end). */
  followUps?(task: RunTask, end: TaskEnd): RunTask[];
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

/** How a task ended, as the worker said (or as the pool says for a worker that died). */
export type TaskEnd = Extract<FromWorker, { type: 'done' | 'failed' | 'stopped' }>;

/**
 * Runs the tasks, and the tasks `o.followUps` adds as others end (successive halving's promotions), on up to
 * `o.workers` processes. A worker with nothing to do waits while others run, since their ends may add work; all
 * are let go when nothing is queued or running.
 */
export async function runPool(tasks: RunTask[], o: PoolOptions): Promise<void> {
  const queue = [...tasks];
  if (queue.length === 0) return;
  mkdirSync(o.logDir, { recursive: true });
  let initError: string | null = null;
  let slots = 0;

  await new Promise<void>((resolveAll) => {
    interface Slot { n: number; child: ChildProcess; ready: boolean; current: RunTask | null }
    const live = new Set<Slot>();
    const busy = () => [...live].filter((w) => w.current).length;

    const dispatch = () => {
      for (const w of live) {
        if (!w.ready || w.current || initError || queue.length === 0) continue;
        w.current = queue.shift()!;
        o.events?.onStart?.(w.n, w.current);
        w.child.send({ type: 'run', ...w.current } satisfies ToWorker);
      }
      if (initError || (queue.length === 0 && busy() === 0)) {
        for (const w of live) if (!w.current && w.child.connected) w.child.disconnect();
        return;
      }
      // Workers that died are replaced, and follow-ups may need more workers than the queue did at the start.
      while (live.size < Math.min(o.workers, busy() + queue.length)) start(++slots);
    };

    const end = (w: Slot, m: TaskEnd) => {
      const task = w.current!;
      w.current = null;
      o.events?.onMessage?.(w.n, m);
      // Follow-ups go first: each is the next step of a group that waits for it.
      queue.unshift(...(o.followUps?.(task, m) ?? []));
      dispatch();
    };

    const start = (n: number) => {
      const w: Slot = { n, child: forkCellProcess(join(o.logDir, `worker-${n}.log`), o.workers), ready: false, current: null };
      live.add(w);
      w.child.on('message', (m: FromWorker) => {
        if (m.type === 'ready') { w.ready = true; o.events?.onReady?.(n, m.banner); dispatch(); return; }
        if (m.type === 'init-failed') { initError = m.error; return; }
        if (m.type === 'done' || m.type === 'failed' || m.type === 'stopped') end(w, m);
        else o.events?.onMessage?.(n, m);
      });
      w.child.on('exit', (code, signal) => {
        live.delete(w);
        if (w.current) end(w, { type: 'failed', cellId: w.current.cell.id, error: `worker process died (${signal ?? `exit code ${code}`}); see ${join(o.logDir, `worker-${n}.log`)}` });
        else dispatch();
        if (live.size === 0) resolveAll();
      });
      w.child.send({ type: 'init', backend: o.backend } satisfies ToWorker);
    };

    dispatch();
  });
  if (initError) throw new ResourceError(`a worker could not start its engine: ${initError}`);
}
