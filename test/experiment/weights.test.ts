/** The grid's ImageNet weights are resolved by the coordinator once, before any worker process starts. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir, testPaths } from '../data/fixtures.ts';
import { writeTinyGrid } from '../helpers/tiny-grid.ts';
import { ResourceError } from '../../src/errors.ts';
import { planExperiment, runExperiment } from '../../src/experiment/runner.ts';
import { prepareWeights } from '../../src/experiment/weights.ts';

test('weights that cannot be found stop the run before any worker starts or anything is recorded', async () => {
  const dir = tempDir('medft-weights-');
  const plan = planExperiment(writeTinyGrid(dir, 'noweights', { strategies: '[ft, lp]', seeds: '[0, 1]', weights: 'imagenet' }));
  const out = join(dir, 'out');
  let started = 0;
  const notes: string[] = [];
  await assert.rejects(
    runExperiment(plan, { out, workers: 2, paths: testPaths(), events: { onStart: () => { started++; }, onNote: (m) => notes.push(m) } }),
    (e: unknown) => e instanceof ResourceError && /tiny_cnn has no ImageNet weights/.test(e.message),
  );
  assert.equal(started, 0, 'no cell started');
  assert.deepEqual(notes, [], 'no "fetching" note for a model that has nothing to fetch');
  assert.ok(!existsSync(join(out, 'results.db')), 'no store');
  assert.ok(!existsSync(join(out, 'logs')), 'no worker logs');
  assert.deepEqual(existsSync(out) ? readdirSync(out).filter((f) => f !== 'data') : [], []);
});

test('prepareWeights: cells that start from no weights or a file need no ImageNet weights', async () => {
  const dir = tempDir('medft-weights-');
  const plan = planExperiment(writeTinyGrid(dir, 'none', { strategies: '[ft, lp]', seeds: '[0, 1]', weights: 'none' }));
  assert.deepEqual([...(await prepareWeights(plan.cells, testPaths())).keys()], []);
});
