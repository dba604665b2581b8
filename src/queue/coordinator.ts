/**
 * `medft run --queue`: the coordinator. It registers the grid in `<out>/results.db` as a local run does, adds one
 * job per unfinished cell (job id = cell id, so adding twice is a no-op), then records what the workers report:
 * epochs as they end (job progress) and each finished cell from the job's return value. Results live in Redis until
 * collected, so a coordinator killed and restarted picks up every job that finished meanwhile; the store keeps the
 * first result of a cell, so nothing is recorded twice.
 */
import { resolve } from 'node:path';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { MedftError, ResourceError, UsageError } from '../errors.ts';
import type { TaskEnd } from '../experiment/cell-process.ts';
import type { Cell } from '../experiment/cells.ts';
import { longestFirst } from '../experiment/order.ts';
import { CellRecorder } from '../experiment/recorder.ts';
import { openRun, summarize, type Plan, type RunOptions, type RunSummary } from '../experiment/runner.ts';
import { prepareWeights } from '../experiment/weights.ts';
import { assertReachable, parseRedisUrl, QUEUE_NAME, redactUrl } from './connection.ts';
import { checkQueueable } from './job-paths.ts';
import { isEpochProgress, makeCellJob, type CellJobResult } from './payload.ts';

export interface QueueRunOptions extends RunOptions {
  /** redis:// or rediss:// URL of the queue. */
  url: string;
  /** How often the coordinator checks the outstanding jobs (events only make it check sooner). */
  pollMs?: number;
}

const sleep = (ms: number, wake: { now?: () => void }) => new Promise<void>((r) => {
  const t = setTimeout(r, ms);
  wake.now = () => { clearTimeout(t); r(); };
});

/**
 * Fetches the grid's ImageNet weights once into this machine's cache, so workers started here share one copy instead
 * of each fetching it. Not fatal: workers on other machines look for weights in their own folders and caches.
 */
async function prefetchWeights(plan: Plan, o: QueueRunOptions): Promise<void> {
  try {
    await prepareWeights(plan.cells, o.paths, (m) => o.events?.onNote?.(`${m}: fetching its ImageNet weights into this machine's cache (once)`));
  } catch (e) {
    if (!(e instanceof ResourceError)) throw e;
    o.events?.onNote?.(`ImageNet weights not fetched on this machine (${e.message}); each worker will look for its own`);
  }
}

export async function runQueued(plan: Plan, o: QueueRunOptions): Promise<RunSummary> {
  // A promoted candidate continues from the checkpoint its rung left on the machine that ran it, which another
  // worker does not have; rather than lose exactness or retrain silently, the queue takes plain grids only.
  if (plan.spec.lrSearch.method === 'halving' && plan.cells.some((c) => c.config.lrCandidate)) {
    throw new UsageError(`${plan.file}: lrSearch: successive halving (the default with an lrGrid) runs on the local pool only; add 'lrSearch: { method: grid }' to the file to put every LR candidate on the queue for all epochs, or run without --queue`);
  }
  checkQueueable(plan.cells, plan.file);
  const connection = parseRedisUrl(o.url);
  await assertReachable(o.url);
  await prefetchWeights(plan, o);
  const run = openRun(plan, resolve(o.out), !!o.retryFailed);
  // Halving's candidates were refused above, so every cell left runs as it is.
  const { store, toRun: { plain: todo } } = run;
  const queue = new Queue<unknown, CellJobResult>(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection });
  // Connections retry for ever (a Redis restart pauses the run); say so once per new error, as `medft worker` does.
  let lastError = '';
  const onError = (e: Error) => { if (e.message !== lastError) o.events?.onNote?.(`queue: ${e.message} (retrying)`); lastError = e.message; };
  queue.on('error', onError);
  events.on('error', onError);
  const recorder = new CellRecorder(store, plan.cells, o.events?.onCellEnd);
  try {
    o.events?.onPlan?.({ total: plan.cells.length, done: run.done.length, failed: o.retryFailed ? 0 : run.failedBefore.length, stopped: 0, todo });
    const outstanding = new Map(todo.map((c) => [c.id, c]));
    const backend = o.engine?.backend ?? null;
    const redis = <T>(fn: () => Promise<T>) => queueCommand(o.url, fn);
    const add = (cell: Cell) => ({ name: 'cell', data: makeCellJob(cell, plan.spec.keepModels, backend), opts: { jobId: cell.id, attempts: 1, removeOnComplete: false, removeOnFail: false } });
    await redis(() => queue.addBulk(longestFirst(todo).map(add)));
    if (o.retryFailed) {
      for (const c of todo) {
        await redis(async () => {
          const job = await queue.getJob(c.id);
          if (job && (await job.getState()) === 'failed') await job.retry('failed');
        });
      }
    }

    const wake: { now?: () => void } = {};
    events.on('active', ({ jobId }) => { if (outstanding.has(jobId)) recorder.started(jobId); });
    events.on('progress', ({ jobId, data }) => { if (outstanding.has(jobId) && isEpochProgress(data)) recorder.record({ type: 'epoch', cellId: jobId, record: data.epoch }); });
    events.on('completed', () => wake.now?.());
    events.on('failed', () => wake.now?.());

    /** The cell's job once it has finished, with the state it finished in; null while it waits or runs. */
    const finished = (cell: Cell) => redis(async () => {
      const job = await queue.getJob(cell.id);
      // A job removed behind our back (queue obliterated, Redis emptied) is added again.
      if (!job) { const { name, data, opts } = add(cell); await queue.add(name, data, opts); return null; }
      const state = await job.getState();
      if (state !== 'completed' && state !== 'failed') return null;
      // Read again: a job that finished after the first read has its return value or failure reason only now.
      return { job: (await queue.getJob(cell.id)) ?? job, state };
    });
    const collect = async (cell: Cell) => {
      const f = await finished(cell);
      if (f && outstanding.delete(cell.id)) recorder.record(jobEnd(cell.id, f.job, f.state));
    };
    while (outstanding.size > 0) {
      await Promise.all([...outstanding.values()].map(collect));
      if (outstanding.size > 0) await sleep(o.pollMs ?? 1000, wake);
    }
    return summarize(plan, run, recorder, !!o.retryFailed);
  } finally {
    await Promise.allSettled([events.close(), queue.close()]);
    store.close();
  }
}

/**
 * How a finished job ended, from what its worker left in Redis: done with the cell's result (and where its files
 * are), or failed with the worker's reason. A job completed without a result (its return value lost or not medft's)
 * fails its cell, saying what was there, rather than being waited on for ever.
 */
function jobEnd(cellId: string, job: Job<unknown, CellJobResult>, state: 'completed' | 'failed'): TaskEnd {
  if (state === 'failed') return { type: 'failed', cellId, error: job.failedReason || 'failed (no reason given)' };
  const r = job.returnvalue as Partial<CellJobResult> | null | undefined;
  if (!r?.result) return { type: 'failed', cellId, error: `the worker's job completed without a cell result (return value: ${JSON.stringify(r ?? null).slice(0, 200)})` };
  return { type: 'done', cellId, result: { ...r.result, environment: { ...r.result.environment, artefacts: r.artefacts } } };
}

/** A Redis command that fails outright (not a connection that retries) stops the run with one line naming the queue. */
async function queueCommand<T>(url: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof MedftError) throw e;
    throw new ResourceError(`the queue at ${redactUrl(url)} refused a command: ${(e as Error).message.split('\n')[0]}`);
  }
}
