/**
 * A local pool of cell processes (./cell-process.ts), each with its own engine, running one cell at a time. A cell
 * that throws is reported failed and the process takes the next one; a process that dies (crash, out of memory)
 * fails its cell and is replaced. The parent receives every event, in order per worker, and may add tasks as others
 * end.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineSettings } from '../engine/settings.ts';
import type { Paths } from '../paths.ts';
import { ResourceError } from '../errors.ts';
import { CellProcess, type CellMessage, type TaskEnd } from './cell-process.ts';
import type { RunTask } from './messages.ts';

export interface PoolEvents {
  onReady?(worker: number, banner: string): void;
  onStart?(worker: number, task: RunTask): void;
  /** Every message about a cell (epoch-start, batch, epoch, done, failed, stopped). */
  onMessage?(worker: number, msg: CellMessage): void;
}

export interface PoolOptions {
  workers: number;
  /** How to start each worker's engine (before its share of the cores). */
  engine: EngineSettings;
  /** Where the workers' cells find data and weights and keep caches. */
  paths: Paths;
  debug?: boolean;
  /** Folder for each worker's stderr (worker-<n>.log). */
  logDir: string;
  events?: PoolEvents;
  /** Tasks that become ready when `task` ends (after onMessage has seen the end). */
  followUps?(task: RunTask, end: TaskEnd): RunTask[];
}

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
    interface Slot { n: number; proc: CellProcess; ready: boolean; current: RunTask | null }
    const live = new Set<Slot>();
    const busy = () => [...live].filter((w) => w.current).length;

    const dispatch = () => {
      for (const w of live) {
        if (!w.ready || w.current || initError || queue.length === 0) continue;
        const task = w.current = queue.shift()!;
        o.events?.onStart?.(w.n, task);
        w.proc.run(task, { onProgress: (m) => o.events?.onMessage?.(w.n, m), onEnd: (m) => end(w, m) });
      }
      if (initError || (queue.length === 0 && busy() === 0)) {
        for (const w of live) if (!w.current) w.proc.close();
        if (live.size === 0) resolveAll();
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
      const log = join(o.logDir, `worker-${n}.log`);
      const w: Slot = {
        n, ready: false, current: null,
        proc: new CellProcess({
          logFile: log, siblings: o.workers, engine: o.engine, paths: o.paths, debug: o.debug,
          deathError: (how) => `worker process died (${how}); see ${log}`,
          onReady: (engine) => { w.ready = true; o.events?.onReady?.(n, engine.banner); dispatch(); },
          onInitFailed: (error) => { initError = error; },
          // A death mid-cell ends that cell next, which dispatches; an idle one's place is filled now.
          onExit: () => { live.delete(w); if (!w.current) dispatch(); },
        }),
      };
      live.add(w);
    };

    dispatch();
  });
  if (initError) throw new ResourceError(`a worker could not start its engine: ${initError}`);
}
