/** The queue's pure parts: Redis URLs (password, TLS, database), the paths a job may name, and payload checks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cellId, expandCells, type Cell } from '../../src/experiment/cells.ts';
import { parseExperiment } from '../../src/experiment/spec.ts';
import { parseRedisUrl, redactUrl } from '../../src/queue/connection.ts';
import { insideDir, unsafeJobPath } from '../../src/queue/job-paths.ts';
import { makeCellJob, parseCellJob } from '../../src/queue/payload.ts';
import { resolveTrainConfig } from '../../src/train/config.ts';

describe('queue URL', () => {
  it('reads host, port, password, database and TLS', () => {
    const c = parseRedisUrl('rediss://worker:p%40ss@queue.example.org:6380/3') as Record<string, unknown>;
    assert.equal(c.host, 'queue.example.org');
    assert.equal(c.port, 6380);
    assert.equal(c.username, 'worker');
    assert.equal(c.password, 'p@ss');
    assert.equal(c.db, 3);
    assert.deepEqual(c.tls, { servername: 'queue.example.org' });
    assert.equal(c.maxRetriesPerRequest, null, 'waits through a Redis restart');
    const plain = parseRedisUrl('redis://127.0.0.1') as Record<string, unknown>;
    assert.equal(plain.port, 6379);
    assert.equal(plain.db, 0);
    assert.equal(plain.tls, undefined);
    assert.equal(plain.password, undefined);
  });

  it('refuses other schemes and names the flag, without echoing the password', () => {
    assert.throws(() => parseRedisUrl('http://:secret@host:1'), (e: Error) => /--queue: expected redis:\/\//.test(e.message) && !e.message.includes('secret'));
    assert.throws(() => parseRedisUrl('redis://host/x'), /database after the host must be a number, got 'x'/);
    assert.equal(redactUrl('redis://:secret@h:1/2'), 'redis://:***@h:1/2');
  });
});

describe('paths a job may name', () => {
  it('accepts plain relative paths and refuses absolute ones and .. escapes', () => {
    assert.equal(unsafeJobPath('breastmnist'), null);
    assert.equal(unsafeJobPath('sets/chest.npz'), null);
    assert.match(unsafeJobPath('/etc/passwd')!, /absolute/);
    assert.match(unsafeJobPath('C:\\data\\x.npz')!, /absolute/);
    assert.match(unsafeJobPath('sets/../../x')!, /'\.\.'/);
    assert.equal(insideDir('/srv/data', 'sets/a.npz', 'dataset'), '/srv/data/sets/a.npz');
    assert.throws(() => insideDir('/srv/data', '../a.npz', 'dataset'), /dataset '\.\.\/a\.npz' refused/);
  });
});

describe('job payload', () => {
  const config: Cell['config'] = {
    dataset: { name: 'b', data: 'breastmnist', subset: { train: 8 } },
    model: { name: 'tiny_cnn', weights: null, inputSize: 16, dropout: 0 },
    strategy: { id: 'ft', params: {} },
    epochs: 1, lr: 0.001, seed: 0, train: resolveTrainConfig({ seed: 0 }),
  };
  const cell: Cell = { id: cellId(config), caseName: 'b × tiny_cnn', config };
  const roundTrip = (x: unknown) => JSON.parse(JSON.stringify(x));

  it('accepts what the coordinator sends, as it travels (JSON)', () => {
    const r = parseCellJob(roundTrip(makeCellJob(cell, false, null)));
    assert.ok('job' in r, JSON.stringify(r));
    assert.deepEqual(r.job.cell, cell);
  });

  it('accepts every cell an experiment file expands to, LR-grid candidates included', () => {
    const spec = parseExperiment({ name: 'g', datasets: ['breastmnist'], models: ['tiny_cnn'], strategies: ['ft', { id: 'l2-sp', lrGrid: [1e-4, 1e-3] }], subset: { train: 8 } }, 'g.yaml');
    const cells = expandCells(spec, 'g.yaml');
    assert.ok(cells.some((c) => c.config.lrCandidate), 'the grid holds LR candidates');
    for (const c of cells) {
      const r = parseCellJob(roundTrip(makeCellJob(c, false, null)));
      assert.ok('job' in r, `${c.config.strategy.id} lr ${c.config.lr}: ${JSON.stringify(r)}`);
    }
  });

  it('names the wrong field, and refuses a config that no longer matches its id', () => {
    const bad = roundTrip(makeCellJob(cell, false, null));
    bad.cell.config.epochs = 'ten';
    assert.deepEqual(parseCellJob(bad), { error: 'invalid job payload: cell.config.epochs: Invalid input: expected number, received string' });
    const edited = roundTrip(makeCellJob(cell, false, null));
    edited.cell.config.lr = 1;
    assert.deepEqual(parseCellJob(edited), { error: `invalid job payload: cell.id ${cell.id} is not the hash of cell.config` });
    assert.match((parseCellJob({ hello: 1 }) as { error: string }).error, /^invalid job payload: cell: /);
  });
});
