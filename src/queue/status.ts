/** `medft status --queue`: how many cells wait, run, are done or failed, and why the failed ones failed. */
import { Queue } from 'bullmq';
import { ResourceError } from '../errors.ts';
import { assertReachable, parseRedisUrl, QUEUE_NAME, redactUrl } from './connection.ts';

export interface QueueStatus {
  waiting: number;
  active: number;
  done: number;
  failed: number;
  /** Cell ids being run now. */
  running: string[];
  /** The most recent failures, newest first. */
  failures: { cellId: string; error: string }[];
}

export async function queueStatus(url: string, maxFailures = 20): Promise<QueueStatus> {
  await assertReachable(url);
  const queue = new Queue(QUEUE_NAME, { connection: parseRedisUrl(url, { waitForever: false }) });
  queue.on('error', () => {});
  try {
    const c = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'paused', 'active', 'completed', 'failed');
    const active = await queue.getJobs(['active'], 0, 99);
    const failed = await queue.getJobs(['failed'], 0, maxFailures - 1);
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0) + (c.paused ?? 0),
      active: c.active ?? 0,
      done: c.completed ?? 0,
      failed: c.failed ?? 0,
      running: active.map((j) => j.id!),
      failures: failed.map((j) => ({ cellId: j.id!, error: j.failedReason })),
    };
  } catch (e) {
    throw new ResourceError(`cannot read the queue at ${redactUrl(url)}: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    await queue.close().catch(() => {});
  }
}
