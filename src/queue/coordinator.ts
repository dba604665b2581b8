/**
 * `medft run --queue`: the coordinator. It registers the grid in `<out>/results.db` as a local run does, adds one
 * job per unfinished cell (job id = cell id, so adding twice is a no-op), then records what the workers report:
 * epochs as they end (job progress) and each finished cell from the job's return value. Results live in Redis until
 * collected, so a coordinator killed and restarted picks up every job that finished meanwhile; the store keeps the
 * first result of a cell, so nothing is recorded twice.
 */
import { resolve } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { UsageError } from '../errors.ts';
import type { Cell } from '../experiment/cells.ts';
import { longestFirst } from '../experiment/order.ts';
import { openRun, summarize, type Plan, type RunOptions, type RunSummary } from '../experiment/runner.ts';
import { prepareWeights } from '../experiment/weights.ts';
import { ResourceError } from '../errors.ts';
import { assertReachable, parseRedisUrl, QUEUE_NAME } from './connection.ts';
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
    await prepareWeights(plan.cells, (m) => o.events?.onNote?.(`${m}: fetching its ImageNet weights into this machine's cache (once)`));
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
  const { store, todo } = run;
  const queue = new Queue<unknown, CellJobResult>(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection });
  queue.on('error', () => {});
  events.on('error', () => {});
  try {
    o.events?.onPlan?.({ total: plan.cells.length, done: run.done.length, failed: o.retryFailed ? 0 : run.failedBefore.length, stopped: 0, todo });
    const outstanding = new Map(todo.map((c) => [c.id, c]));
    const backend = o.backend ?? process.env.MEDFT_BACKEND ?? null;
    await queue.addBulk(longestFirst(todo).map((cell) => ({
      name: 'cell',
      data: makeCellJob(cell, plan.spec.keepModels, backend),
      opts: { jobId: cell.id, attempts: 1, removeOnComplete: false, removeOnFail: false },
    })));
    if (o.retryFailed) {
      for (const c of todo) {
        const job = await queue.getJob(c.id);
        if (job && (await job.getState()) === 'failed') await job.retry('failed');
      }
    }

    const wake: { now?: () => void } = {};
    events.on('active', ({ jobId }) => { if (outstanding.has(jobId)) store.markRunning(jobId); });
    events.on('progress', ({ jobId, data }) => { if (outstanding.has(jobId) && isEpochProgress(data)) store.recordEpoch(jobId, data.epoch); });
    events.on('completed', () => wake.now?.());
    events.on('failed', () => wake.now?.());

    let ran = 0;
    const failed: { cell: Cell; error: string }[] = [];
    const collect = async (cell: Cell) => {
      const job = await queue.getJob(cell.id);
      // A job removed behind our back (queue obliterated, Redis emptied) is added again.
      if (!job) { await queue.add('cell', makeCellJob(cell, plan.spec.keepModels, backend), { jobId: cell.id, attempts: 1, removeOnComplete: false, removeOnFail: false }); return; }
      const state = await job.getState();
      if (state === 'completed' && job.returnvalue?.result) {
        const { result, artefacts } = job.returnvalue;
        if (!outstanding.delete(cell.id)) return;
        store.recordDone(cell.id, { ...result, environment: { ...result.environment, artefacts } });
        ran++;
        o.events?.onCellEnd?.(cell, 'done');
      } else if (state === 'failed') {
        if (!outstanding.delete(cell.id)) return;
        const error = job.failedReason || 'failed (no reason given)';
        store.recordFailed(cell.id, error);
        ran++;
        failed.push({ cell, error });
        o.events?.onCellEnd?.(cell, 'failed', error);
      }
    };
    while (outstanding.size > 0) {
      await Promise.all([...outstanding.values()].map(collect));
      if (outstanding.size > 0) await sleep(o.pollMs ?? 1000, wake);
    }
    return summarize(plan, run, ran, failed, !!o.retryFailed);
  } finally {
    await Promise.allSettled([events.close(), queue.close()]);
    store.close();
  }
}
