/**
 * The distributed queue end to end, on a private redis-server (with a password) and real BreastMNIST (a few dozen
 * images, tiny_cnn at 16 px, 1 epoch, from fixed starting weights): a 12-cell grid over 3 worker processes, one
 * SIGKILLed mid-cell and started again, must record every cell once with the test metrics of a local run of the same
 * grid (and its per-image predictions); a coordinator killed mid-run and restarted; Redis stopped and started mid-run; bad jobs (invalid payload,
 * other medft version, a path outside the data dir) fail alone with a clear reason while a good one completes.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import { cellId } from '../../src/experiment/cells.ts';
import { planExperiment } from '../../src/experiment/runner.ts';
import { parseRedisUrl, QUEUE_NAME } from '../../src/queue/connection.ts';
import { makeCellJob, type CellJobResult } from '../../src/queue/payload.ts';
import { sharedDataDir, tempDir } from '../data/fixtures.ts';
import { RedisServer, redisMissing } from '../helpers/redis-server.ts';
import { writeTinyGrid } from '../helpers/tiny-grid.ts';

const bin = fileURLToPath(new URL('../../bin/medft.js', import.meta.url));
const dir = tempDir('medft-queue-');
const dataDir = join(dir, 'data');
// One accelerator thread and one engine (no data-parallel replicas) everywhere: the local pool splits the cores between
// its workers, a lone queue worker takes them all, and sums over other thread or replica counts round differently in
// the last bits.
const env = { ...process.env, MEDFT_DATA_DIR: dataDir, MEDFT_CACHE_DIR: join(dir, 'cache'), MEDFT_ACCELERATOR_THREADS: '1', MEDFT_REPLICAS: '1' };
const medft = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, cwd: dataDir, timeout: 150_000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Cell ids in a grid file are hashes of their configs (not of the file's name), so equal cells match across files.
 * The files sit in the data dir: a local run finds `init` beside the file, a worker finds it in its data dir.
 */
const grid = (name: string, strategies: string, seeds: string) => writeTinyGrid(dataDir, name, { strategies, seeds, weights: 'init' });

const METRICS = ['accuracy', 'balancedAccuracy', 'macroF1', 'macroAuc', 'ece', 'nll'];
interface Row { id: string; status: string; attempts: number; epochs: number; metrics: string; env: string | null; predictions: string | null }
function rows(out: string): Row[] {
  if (!existsSync(join(out, 'results.db'))) return [];
  const db = new Database(join(out, 'results.db'), { readonly: true });
  try {
    return db.prepare(`SELECT c.id, c.status, c.attempts,
      (SELECT COUNT(*) FROM epochs e WHERE e.cell_id = c.id) AS epochs,
      (SELECT json_group_object(metric, value) FROM metrics m WHERE m.cell_id = c.id AND m.split = 'test' AND m.metric IN (${METRICS.map((m) => `'${m}'`).join(',')})) AS metrics,
      (SELECT info FROM environment v WHERE v.cell_id = c.id) AS env,
      (SELECT group_concat(split || ' ' || sample_id || ' ' || label || ' ' || probabilities, '|') FROM
        (SELECT * FROM predictions p WHERE p.cell_id = c.id ORDER BY split, position)) AS predictions
      FROM cells c ORDER BY c.id`).all() as Row[];
  } catch {
    return [];
  } finally {
    db.close();
  }
}
const doneIn = (out: string) => rows(out).filter((r) => r.status === 'done').length;
async function until(what: string, ok: () => boolean, ms = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** A `medft` process in the background, its stdout kept for the test to read. */
function background(args: string[]): { proc: ChildProcess; out: () => string; exit: Promise<number | null> } {
  const proc = spawn(process.execPath, [bin, ...args], { env, cwd: dataDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  proc.stdout!.on('data', (b) => { text += b; });
  proc.stderr!.on('data', (b) => { text += b; });
  const exit = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return { proc, out: () => text, exit };
}

describe('medft run --queue with medft workers', { skip: redisMissing }, () => {
  let redis: RedisServer;
  const reference = new Map<string, Row>();
  const workers: ChildProcess[] = [];
  const worker = (db: number, name: string, extra: string[] = []) => {
    const w = background(['worker', '--queue', redis.url(db), '--work-dir', join(dir, name), '--lock-duration', '3000', '--stalled-interval', '1000', ...extra]);
    workers.push(w.proc);
    return w;
  };
  const stopWorkers = async () => {
    await Promise.all(workers.splice(0).filter((p) => p.exitCode == null && p.signalCode == null).map((p) => new Promise((r) => { p.once('exit', r); p.kill('SIGKILL'); })));
  };
  const sameAsReference = (out: string, n: number) => {
    const got = rows(out);
    assert.equal(got.length, n, 'each cell once');
    for (const r of got) {
      assert.equal(r.status, 'done', `${r.id} done`);
      assert.equal(r.epochs, 1, `${r.id}: one row per epoch`);
      assert.ok(reference.has(r.id), `${r.id} is a cell of the local run`);
      assert.deepEqual(JSON.parse(r.metrics), JSON.parse(reference.get(r.id)!.metrics), `${r.id}: test metrics equal the local run's`);
      // The per-image predictions come back through the job's JSON return value unchanged.
      assert.ok(r.predictions, `${r.id}: predictions kept`);
      assert.equal(r.predictions, reference.get(r.id)!.predictions, `${r.id}: predictions equal the local run's`);
    }
    return got;
  };

  before(async () => {
    redis = await RedisServer.start('s3cret pass');
    mkdirSync(join(dataDir, 'breastmnist'), { recursive: true });
    copyFileSync(join(sharedDataDir(), 'breastmnist', 'breastmnist.npz'), join(dataDir, 'breastmnist', 'breastmnist.npz'));
    // Fixed starting weights, under the data dir: the only place a job may name files in.
    const r = medft(['finetune', '--data', 'breastmnist', '--model', 'tiny_cnn', '--size', '16', '--epochs', '1', '--weights', 'none', '--strategy', 'ft', '--out', join(dataDir, 'init'), '--no-progress']);
    assert.equal(r.status, 0, r.stderr);
    const local = medft(['run', grid('local', '[ft, lp, gu-lf, l2-sp]', '[0, 1, 2]'), '--out', join(dir, 'local'), '--workers', '2', '--no-report']);
    assert.equal(local.status, 0, local.stderr);
    for (const row of rows(join(dir, 'local'))) reference.set(row.id, row);
    assert.equal(reference.size, 12);
    assert.ok(new Set([...reference.values()].map((r) => r.metrics)).size > 6, 'the cells differ, so matching them means something');
  });
  after(async () => {
    await stopWorkers();
    await redis?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a wrong password or a database the server lacks in one line, without printing the password', () => {
    const wrong = medft(['status', '--queue', `redis://:not-it@127.0.0.1:${redis.port}`]);
    assert.equal(wrong.status, 4);
    assert.match(wrong.stderr, /^medft: cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: WRONGPASS/);
    assert.ok(!wrong.stderr.includes('not-it'));
    const db = medft(['worker', '--queue', redis.url(999)]);
    assert.equal(db.status, 4);
    assert.match(db.stderr, /cannot reach Redis at .*: ERR DB index is out of range/);
  });

  it('runs 12 cells on 3 workers, one SIGKILLed mid-cell and restarted: each cell once, metrics equal to the local run', async () => {
    const out = join(dir, 'q-main');
    const coordinator = background(['run', grid('main', '[ft, lp, gu-lf, l2-sp]', '[0, 1, 2]'), '--out', out, '--queue', redis.url(1), '--no-report', '--no-progress']);
    const victim = worker(1, 'host-1');
    worker(1, 'host-2');
    worker(1, 'host-3');
    await until('worker 1 to start a cell', () => /start {2}[0-9a-f]{16}/.test(victim.out()));
    const killedCell = /start {2}([0-9a-f]{16})/.exec(victim.out())![1];
    await sleep(500); // inside the cell (its process is starting or training)
    assert.ok(!/done {3}/.test(victim.out()), 'killed before it finished anything');
    victim.proc.kill('SIGKILL');
    worker(1, 'host-1'); // the same host's worker, started again
    assert.equal(await coordinator.exit, 0, coordinator.out());
    assert.match(coordinator.out(), /12\/12 cells done \(0 skipped as already done, 12 run, 0 failed\)/);
    const got = sameAsReference(out, 12);
    const killed = got.find((r) => r.id === killedCell)!;
    const queue = new Queue(QUEUE_NAME, { connection: parseRedisUrl(redis.url(1)) });
    const job = await queue.getJob(killedCell);
    await queue.close();
    assert.ok(job!.attemptsStarted >= 2, `the killed worker's cell ${killedCell} was taken again (${job!.attemptsStarted} starts)`);
    const where = JSON.parse(killed.env!).artefacts as CellJobResult['artefacts'];
    assert.ok(existsSync(join(where.cellDir, 'split.json')), 'the artefact location the worker reported holds the cell\'s files');
    const status = medft(['status', '--queue', redis.url(1), '--json']);
    assert.equal(status.status, 0, status.stderr);
    assert.deepEqual(JSON.parse(status.stdout), { waiting: 0, active: 0, done: 12, failed: 0, running: [], failures: [] });
    await stopWorkers();
  });

  it('survives the coordinator killed mid-run and restarted: what finished meanwhile is collected once', async () => {
    const out = join(dir, 'q-coord');
    const file = grid('coord', '[ft, lp]', '[0, 1, 2]');
    const first = background(['run', file, '--out', out, '--queue', redis.url(2), '--no-report', '--no-progress']);
    worker(2, 'host-1', ['--concurrency', '2']);
    await until('a first cell in the store', () => doneIn(out) >= 1);
    first.proc.kill('SIGKILL');
    await first.exit;
    const before = doneIn(out);
    assert.ok(before < 6, 'killed mid-run');
    await sleep(3000); // cells finish while no coordinator listens
    const second = medft(['run', file, '--out', out, '--queue', redis.url(2), '--no-report', '--no-progress']);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stderr, new RegExp(`6 cells; ${before} done already`));
    sameAsReference(out, 6);
    await stopWorkers();
  });

  it('goes on after Redis is stopped and started again mid-run (append-only file on)', async () => {
    const out = join(dir, 'q-redis');
    const workDir = join(dir, 'host-redis');
    const coordinator = background(['run', grid('redis', '[gu-lf, l2-sp]', '[0, 1, 2]'), '--out', out, '--queue', redis.url(3), '--no-report', '--no-progress']);
    worker(3, 'host-redis', ['--concurrency', '2', '--lock-duration', '15000']);
    // Redis goes away as soon as the worker starts a cell. Not when the store has one: the coordinator records cells
    // after the workers finish them, and these take well under a second, so by then the whole grid could be done.
    await until('the worker to start a cell', () => existsSync(join(workDir, 'cells')) && readdirSync(join(workDir, 'cells')).length > 0);
    await redis.stop();
    try {
      await sleep(1500);
      assert.ok(doneIn(out) < 6, 'Redis went away mid-run');
    } finally {
      await redis.restart(); // even if the test fails here: the tests after it need Redis
    }
    assert.equal(await coordinator.exit, 0, coordinator.out());
    sameAsReference(out, 6);
    await stopWorkers();
  });

  it('fails an invalid payload, another medft version, another backend and a path out of the data dir, each alone with its reason', async () => {
    const queue = new Queue(QUEUE_NAME, { connection: parseRedisUrl(redis.url(4)) });
    try {
      const [good, other] = planExperiment(grid('bad', '[ft]', '[0, 1]')).cells;
      const escaped = structuredClone(other.config);
      escaped.dataset.data = '../../etc/breastmnist';
      const opts = { removeOnComplete: false, removeOnFail: false };
      await queue.add('cell', { cell: { id: 'nonsense' } }, { ...opts, jobId: 'invalid' });
      await queue.add('cell', { ...makeCellJob(other, false, null), medftVersion: '0.0.1' }, { ...opts, jobId: 'old-version' });
      await queue.add('cell', makeCellJob(other, false, 'cpu'), { ...opts, jobId: 'other-backend' });
      await queue.add('cell', makeCellJob({ ...other, id: cellId(escaped), config: escaped }, false, null), { ...opts, jobId: 'escape' });
      await queue.add('cell', makeCellJob(good, false, null), { ...opts, jobId: good.id });
      worker(4, 'host-1', ['--backend', 'wasm']);
      await until('all five jobs to end', () => {
        const s = medft(['status', '--queue', redis.url(4), '--json']);
        return s.status === 0 && JSON.parse(s.stdout).done + JSON.parse(s.stdout).failed === 5;
      });
      const reason = async (id: string) => (await queue.getJob(id))!.failedReason;
      assert.match(await reason('invalid'), /^invalid job payload: cell\.id: a 16-digit hex cell id$/);
      assert.match(await reason('old-version'), /^medft version mismatch: the job was queued by medft 0\.0\.1, this worker runs medft \d+\.\d+\.\d+/);
      assert.match(await reason('other-backend'), /^backend mismatch: the job asks for cpu, this worker runs wasm/);
      assert.match(await reason('escape'), /^dataset '\.\.\/\.\.\/etc\/breastmnist' refused: it climbs out with '\.\.'/);
      const done = (await queue.getJob(good.id))!.returnvalue as CellJobResult;
      assert.deepEqual(Object.fromEntries(METRICS.map((m) => [m, (done.result.test as unknown as Record<string, number>)[m]])), JSON.parse(reference.get(good.id)!.metrics));
    } finally {
      await queue.close();
      await stopWorkers();
    }
  });
});
