/**
 * What the coordinator does with what a worker leaves in Redis, on a private redis-server with a stand-in worker (a
 * plain BullMQ Worker, no cell process): a job completed without a cell result and a job that threw each fail their
 * cell with the text there was, in the store and in the summary, instead of being waited on for ever; and while
 * Redis is away the coordinator says so (as `medft worker` does) and goes on when it is back.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Queue, Worker } from 'bullmq';
import { planExperiment } from '../../src/experiment/runner.ts';
import { ResultsStore } from '../../src/experiment/store.ts';
import { parseRedisUrl, QUEUE_NAME } from '../../src/queue/connection.ts';
import { runQueued } from '../../src/queue/coordinator.ts';
import { tempDir, testPaths } from '../data/fixtures.ts';
import { RedisServer, redisMissing } from '../helpers/redis-server.ts';
import { writeTinyGrid } from '../helpers/tiny-grid.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the queue coordinator and what workers leave in Redis', { skip: redisMissing }, () => {
  const dir = tempDir('medft-coordinator-');
  let redis: RedisServer;
  before(async () => { redis = await RedisServer.start(); });
  after(async () => {
    await redis?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails a cell whose job completed without a result, and one whose job threw, each with its text; says when Redis is away', { timeout: 60_000 }, async () => {
    const url = redis.url(1);
    const plan = planExperiment(writeTinyGrid(dir, 'c', { strategies: '[ft]', seeds: '[0, 1]', weights: 'none' }));
    const [empty, thrown] = plan.cells;
    const notes: string[] = [];
    const ended: string[] = [];
    const out = join(dir, 'out');
    const run = runQueued(plan, { url, out, paths: testPaths(), pollMs: 100, events: { onNote: (m) => notes.push(m), onCellEnd: (cell, status, error) => ended.push(`${cell.id} ${status} ${error}`) } });

    // Both jobs queued, then Redis goes away and comes back before any worker takes them.
    const queue = new Queue(QUEUE_NAME, { connection: parseRedisUrl(url) });
    queue.on('error', () => {});
    while ((await queue.getJobCounts('waiting')).waiting < 2) await sleep(50);
    await queue.close();
    await redis.stop();
    await sleep(1000);
    await redis.restart();

    const worker = new Worker(QUEUE_NAME, async (job) => {
      if (job.id === thrown.id) throw new Error('boom: the worker said why');
      return { not: 'a cell result' };
    }, { connection: parseRedisUrl(url) });
    try {
      const summary = await run;
      assert.ok(notes.some((n) => /^queue: .+ \(retrying\)$/.test(n)), `Redis away was said: ${JSON.stringify(notes)}`);
      const noResult = 'the worker\'s job completed without a cell result (return value: {"not":"a cell result"})';
      assert.equal(summary.ran, 2);
      assert.equal(summary.done, 0);
      assert.deepEqual(summary.failed.map((f) => [f.cell.id, f.error]).sort(), [[empty.id, noResult], [thrown.id, 'boom: the worker said why']].sort());
      assert.deepEqual(ended.sort(), [`${empty.id} failed ${noResult}`, `${thrown.id} failed boom: the worker said why`].sort());
      const store = new ResultsStore(join(out, 'results.db'), { readonly: true });
      try {
        assert.deepEqual([store.cell(empty.id)!.status, store.cell(empty.id)!.error], ['failed', noResult]);
        assert.deepEqual([store.cell(thrown.id)!.status, store.cell(thrown.id)!.error], ['failed', 'boom: the worker said why']);
      } finally {
        store.close();
      }
    } finally {
      await worker.close();
    }
  });
});
