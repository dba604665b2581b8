/**
 * One cell process (./worker.ts) seen from its parent, the local pool or a queue worker: it is forked with its log
 * file, starts its engine once with the engine settings it is sent (its share of the cores included), then runs one RunTask at a time; the parent hears the
 * task's progress and its end, and a process that dies mid-task ends that task as failed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import os from 'node:os';
import type { EngineSettings } from '../engine/settings.ts';
import type { Paths } from '../paths.ts';
import type { FromWorker, RunTask, ToWorker } from './messages.ts';

/** How a task ended, as the process said (or as its parent says for a process that died). */
export type TaskEnd = Extract<FromWorker, { type: 'done' | 'failed' | 'stopped' }>;
/** What a process says about its task before it ends. */
export type TaskProgress = Extract<FromWorker, { type: 'epoch-start' | 'batch' | 'epoch' }>;
/** Every message about a cell. */
export type CellMessage = TaskProgress | TaskEnd;

export interface EngineInfo { banner: string; backend: string }

// Compiled into dist/ (scripts/build-js.mjs), this module's siblings are .js files that need no TypeScript loader.
const compiled = import.meta.url.endsWith('.js');
const workerFile = new URL(compiled ? './worker.js' : './worker.ts', import.meta.url);
const loaderArgs = compiled ? [] : ['--import', import.meta.resolve('tsx')];

/**
 * Each of `workers` cell processes gets its share of the cores (coreShare): the oneDNN accelerator (when built) runs
 * its convolutions on that many threads (unless the user chose a thread count), and on pure wasm a cell splits its
 * batches over that many data-parallel replicas. Several workers would otherwise oversubscribe the cores.
 */
export function cellEngineSettings(engine: EngineSettings, workers: number): EngineSettings {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const share = Math.max(1, Math.floor(cores / Math.max(1, workers)));
  return { ...engine, coreShare: share, acceleratorThreads: engine.acceleratorThreads ?? share };
}

function forkCellProcess(logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    return fork(workerFile, [], { execArgv: loaderArgs, stdio: ['ignore', fd, fd, 'ipc'], serialization: 'advanced' });
  } finally {
    closeSync(fd);
  }
}

export interface CellProcessOptions {
  /** Its stdout and stderr are appended here. */
  logFile: string;
  /** Cell processes sharing this machine's cores, this one included. */
  siblings: number;
  /** The engine to start (its core share follows from `siblings`). */
  engine: EngineSettings;
  /** Where its cells find data and weights and keep caches. */
  paths: Paths;
  /** Print the stacks of failed cells to the log (MEDFT_DEBUG). */
  debug?: boolean;
  /** The error of the task a death cuts short, from how the process ended ('SIGKILL', 'exit code 1'). */
  deathError(how: string): string;
  onReady?(engine: EngineInfo): void;
  onInitFailed?(error: string): void;
  /** The process is gone; called before the end of the task it was running, if any. */
  onExit?(how: string): void;
}

interface TaskListener {
  onProgress?(m: TaskProgress): void;
  onEnd(m: TaskEnd): void;
}

export class CellProcess {
  private readonly child: ChildProcess;
  private task: { cellId: string; listener: TaskListener } | null = null;

  constructor(private readonly o: CellProcessOptions) {
    this.child = forkCellProcess(o.logFile);
    this.child.on('message', (m: FromWorker) => {
      if (m.type === 'ready') o.onReady?.({ banner: m.banner, backend: m.backend });
      else if (m.type === 'init-failed') o.onInitFailed?.(m.error);
      else if (m.type === 'done' || m.type === 'failed' || m.type === 'stopped') this.end(m);
      else this.task?.listener.onProgress?.(m);
    });
    this.child.on('exit', (code, signal) => {
      const how = signal ?? `exit code ${code}`;
      o.onExit?.(how);
      if (this.task) this.end({ type: 'failed', cellId: this.task.cellId, error: o.deathError(how) });
    });
    this.child.send({ type: 'init', engine: cellEngineSettings(o.engine, o.siblings), paths: o.paths, debug: !!o.debug } satisfies ToWorker);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Still connected: it can take a task (once ready) or be let go. */
  get alive(): boolean {
    return this.child.connected;
  }

  /** Runs one task; `listener` hears its progress, then its end exactly once. */
  run(task: RunTask, listener: TaskListener): void {
    if (this.task) throw new Error(`cell process busy with ${this.task.cellId}`);
    this.task = { cellId: task.cell.id, listener };
    this.child.send({ type: 'run', ...task } satisfies ToWorker);
  }

  /** Lets it go: a cell process exits when its parent disconnects. */
  close(): void {
    if (this.child.connected) this.child.disconnect();
  }

  private end(m: TaskEnd): void {
    const t = this.task;
    this.task = null;
    t?.listener.onEnd(m);
  }
}
