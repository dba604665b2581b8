/**
 * `medft worker`: takes cells from the queue and runs each in a child process (the local pool's
 * ../experiment/worker.ts, kept from one cell to the next like the pool's), so a cell that crashes its process fails
 * that job and the worker goes on with a fresh process. The parent only waits on its children, which keeps its event
 * loop free to renew the jobs' locks; a worker killed outright stops renewing them (and its children exit with it),
 * and BullMQ's stalled-job check hands its cells to other workers.
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { parseBackendName } from '../engine/backend-names.ts';
import type { EngineSettings } from '../engine/settings.ts';
import type { Paths } from '../paths.ts';
import { prepareDataset } from '../experiment/data.ts';
import { CellProcess, type TaskEnd } from '../experiment/cell-process.ts';
import type { RunTask } from '../experiment/messages.ts';
import type { CellResult } from '../experiment/store.ts';
import { assertReachable, parseRedisUrl, QUEUE_NAME } from './connection.ts';
import { jobDataPath, jobWeights } from './job-paths.ts';
import { parseCellJob, type CellJob, type CellJobResult } from './payload.ts';
import { MEDFT_VERSION } from '../version.ts';

export interface QueueWorkerOptions {
  url: string;
  concurrency: number;
  /** Datasets and weights a job may name, relative to this folder. */
  dataDir: string;
  /** Subsets, cell folders and logs. */
  workDir: string;
  /** --backend: every cell runs on it (else on the backend its job asks for, else on `engine`'s). */
  backend?: string;
  /** How to start the cell processes' engines (from the environment, at the edge). */
  engine: EngineSettings;
  /** The cache (MedMNIST names, subsets' npz arrays) and the folders 'imagenet' weights are looked for in, likewise. */
  paths: Paths;
  /** Log the stacks of failed cells (MEDFT_DEBUG). */
  debug?: boolean;
  /** How long a job's lock lasts without renewal (the worker renews it every half of that). */
  lockMs: number;
  /** How often the stalled-job check runs. */
  stalledMs: number;
  /** How many times a cell may be handed over after its worker vanished before it fails. */
  maxStalled: number;
  events?: {
    onStart?(job: CellJob): void;
    onEnd?(cellId: string, status: 'done' | 'failed', detail: string): void;
    /** Redis unreachable and the like: BullMQ retries for ever, the CLI says what is going on. */
    onError?(message: string): void;
  };
}

/** A cell process kept between cells, with the --backend it was started with ('' for the default). */
interface KeptProcess {
  proc: CellProcess;
  key: string;
  /** The backend its engine runs, once ready. */
  backend: Promise<string>;
}

/** Up to `concurrency` cell processes; one that dies is dropped, the next cell gets a fresh one. */
class CellProcesses {
  private idle: KeptProcess[] = [];
  private started = 0;

  constructor(private readonly o: QueueWorkerOptions) {}

  acquire(key: string): KeptProcess {
    const i = this.idle.findIndex((p) => p.key === key);
    if (i >= 0) return this.idle.splice(i, 1)[0];
    // An idle process started for another backend makes room for this one.
    if (this.idle.length > 0) this.idle.shift()!.proc.close();
    const log = join(this.o.workDir, 'logs', `worker-${process.pid}-${++this.started}.log`);
    const died = (how: string) => `cell process died (${how}); see ${log} on ${hostname()}`;
    let ready!: (b: string) => void;
    let failed!: (e: Error) => void;
    const backend = new Promise<string>((res, rej) => { ready = res; failed = rej; });
    backend.catch(() => {});
    const p: KeptProcess = {
      key, backend,
      proc: new CellProcess({
        logFile: log, siblings: this.o.concurrency, deathError: died, debug: this.o.debug, paths: this.o.paths,
        engine: key ? { ...this.o.engine, backend: parseBackendName(key, '--backend') } : this.o.engine,
        onReady: (engine) => ready(engine.backend),
        onInitFailed: (error) => failed(new Error(error)),
        onExit: (how) => { this.idle = this.idle.filter((x) => x !== p); failed(new Error(died(how))); },
      }),
    };
    return p;
  }

  release(p: KeptProcess): void {
    if (p.proc.alive) this.idle.push(p);
  }

  closeAll(): void {
    for (const p of this.idle.splice(0)) p.proc.close();
  }
}

/** Runs one cell in a cell process and resolves with its result; epoch records go to the job's progress. */
async function runInProcess(task: RunTask, job: CellJob, bull: Job, procs: CellProcesses, o: QueueWorkerOptions): Promise<CellResult> {
  const key = o.backend ?? job.backend ?? '';
  try {
    if (key) parseBackendName(key, '--backend');
  } catch (e) {
    throw new UnrecoverableError(`the worker could not start its engine: ${(e as Error).name}: ${(e as Error).message}`);
  }
  const p = procs.acquire(key);
  let backend: string;
  try {
    backend = await p.backend;
  } catch (e) {
    throw new UnrecoverableError(`the worker could not start its engine: ${(e as Error).message}`);
  }
  if (job.backend && backend !== job.backend) {
    procs.release(p);
    throw new UnrecoverableError(`backend mismatch: the job asks for ${job.backend}, this worker runs ${backend} (start it with --backend ${job.backend})`);
  }
  const end = await new Promise<TaskEnd>((onEnd) => p.proc.run(task, {
    onProgress: (m) => { if (m.type === 'epoch') void bull.updateProgress({ epoch: m.record }).catch(() => {}); },
    onEnd,
  }));
  procs.release(p);
  if (end.type === 'done') return end.result;
  // A queued task has no stopAfterEpoch, so only a failure ends it otherwise.
  throw new UnrecoverableError(end.type === 'failed' ? end.error : `the cell process stopped ${end.cellId} before its last epoch`);
}

async function processJob(bull: Job, procs: CellProcesses, o: QueueWorkerOptions): Promise<CellJobResult> {
  const parsed = parseCellJob(bull.data);
  if ('error' in parsed) throw new UnrecoverableError(parsed.error);
  const job = parsed.job;
  if (job.medftVersion !== MEDFT_VERSION) {
    throw new UnrecoverableError(`medft version mismatch: the job was queued by medft ${job.medftVersion}, this worker runs medft ${MEDFT_VERSION}; run the same version everywhere`);
  }
  o.events?.onStart?.(job);
  const { cell } = job;
  const d = cell.config.dataset;
  let dataPath: string;
  let weights: string | null;
  try {
    weights = jobWeights(cell.config.model.weights, o.dataDir);
    // The same deterministic subset rule as a local run, written under this worker's own work dir.
    dataPath = await prepareDataset(await jobDataPath(d.data, o.dataDir, o.paths), d.subset, o.workDir, false, o.paths);
  } catch (e) {
    throw new UnrecoverableError((e as Error).message);
  }
  const cellDir = join(o.workDir, 'cells', cell.id);
  const task: RunTask = { cell: { ...cell, config: { ...cell.config, model: { ...cell.config.model, weights } } }, dataPath, cellDir, keepModel: job.keepModel };
  const result = await runInProcess(task, job, bull, procs, o);
  return { result, artefacts: { host: hostname(), cellDir } };
}

/** Starts taking jobs; resolves with a close function (which lets the cells in progress finish). */
export async function startWorker(o: QueueWorkerOptions): Promise<{ close(): Promise<void>; banner: string }> {
  await assertReachable(o.url);
  const dataDir = resolve(o.dataDir);
  const workDir = resolve(o.workDir);
  mkdirSync(join(workDir, 'logs'), { recursive: true });
  const opts = { ...o, dataDir, workDir };
  const procs = new CellProcesses(opts);
  const worker = new Worker<unknown, CellJobResult>(QUEUE_NAME, (job) => processJob(job, procs, opts), {
    connection: parseRedisUrl(o.url),
    concurrency: o.concurrency,
    lockDuration: o.lockMs,
    stalledInterval: o.stalledMs,
    maxStalledCount: o.maxStalled,
  });
  worker.on('completed', (job) => o.events?.onEnd?.(job.id!, 'done', `${job.returnvalue?.result.timings.total?.toFixed(1) ?? '?'} s`));
  worker.on('failed', (job, err) => { if (job) o.events?.onEnd?.(job.id!, 'failed', err.message); });
  worker.on('error', (e) => o.events?.onError?.(e.message));
  await worker.waitUntilReady();
  return {
    banner: `medft ${MEDFT_VERSION} worker on ${hostname()}: ${o.concurrency} cell(s) at a time; data dir ${dataDir}; work dir ${workDir}`,
    close: async () => { await worker.close(); procs.closeAll(); },
  };
}
