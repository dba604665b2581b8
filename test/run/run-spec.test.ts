/**
 * The RunSpec: resolved defaults against the schemas they come from, strategies checked against the model's real
 * blocks (surgical fine-tuning of any block, refused for a block the model lacks), an experiment cell's spec equal to
 * its config, and "what ran is what is stored": the spec recorded in medft.json, run again, gives the same weights and
 * metrics byte for byte.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initEngine } from '../../src/engine/index.ts';
import { expandCells } from '../../src/experiment/cells.ts';
import { cellRunSpec } from '../../src/experiment/run-cell.ts';
import { parseExperiment } from '../../src/experiment/spec.ts';
import { createModel, getFamily, modelNames } from '../../src/models/index.ts';
import { planOf, resolveRunSpec, runSpec, type RunSpec } from '../../src/run/index.ts';
import { engineFromEnv } from '../../src/settings.ts';
import { buildPlan, getStrategy } from '../../src/strategies/index.ts';
import { trainConfigSchema } from '../../src/train/config.ts';
import { sharedDataDir, tempDir, testPaths } from '../data/fixtures.ts';
import { resolveStepEngine } from '../../src/engine/whole-step/choice.ts';

const breastmnist = () => join(sharedDataDir(), 'breastmnist', 'breastmnist.npz');

describe('resolveRunSpec', () => {
  it('fills in the loop, strategy and weights defaults from their own schemas', () => {
    const spec = resolveRunSpec({ data: 'breastmnist', model: 'resnet50', strategy: 'lp-ft', epochs: 4, lr: 1e-4 });
    assert.deepEqual(spec.train, trainConfigSchema.parse({}));
    assert.deepEqual(spec.strategy, { id: 'lp-ft', params: getStrategy('lp-ft').params.parse({}) });
    assert.deepEqual(spec.model, { name: 'resnet50', weights: 'imagenet', inputSize: null, dropout: 0 });
    assert.deepEqual(spec.data, { path: 'breastmnist', skipBad: false });
    assert.equal(spec.featureCache, true);
    assert.equal(spec.engine.replicas, 1);
    // tiny_cnn has no pretrained weights: a random initialisation.
    assert.equal(resolveRunSpec({ data: 'x', model: 'tiny_cnn', strategy: 'ft', epochs: 1, lr: 1e-3 }).model.weights, null);
    // Plain JSON: a spec survives a round trip through medft.json or the store unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
  });

  it('checks the strategy against the model\'s real blocks: surgical fine-tuning of any block, not of a missing one', () => {
    const spec = resolveRunSpec({ data: 'x', model: 'resnet50', strategy: 'surgical:conv3_x', epochs: 2, lr: 1e-4 });
    assert.deepEqual(planOf(spec).phases.map((p) => p.trainBlocks), [['conv3_x', 'head']]);
    assert.throws(() => resolveRunSpec({ data: 'x', model: 'vgg19', strategy: 'surgical:conv3_x', epochs: 2, lr: 1e-4 }),
      /surgical: no block 'conv3_x' in this model; choose one of block1, block2, block3, block4, block5/);
    assert.throws(() => resolveRunSpec({ data: 'x', model: 'resnet50', strategy: 'lp-ft', params: { lpEpochs: 'many' }, epochs: 2, lr: 1e-4 }), /strategy lp-ft: lpEpochs/);
  });

  it("plans on each family's block names, which are the blocks of the built model", async () => {
    await initEngine({ ...engineFromEnv(), backend: 'cpu' });
    for (const name of modelNames()) {
      const { model, spec } = await createModel(name, { numClasses: 2, inputSize: 32, weights: null });
      const built = spec.blocks.map((b) => b.name);
      model.dispose();
      assert.deepEqual(getFamily(name).blockNames, built, name);
      for (const id of ['ft', 'lp-ft', 'gu-lf', 'auto-rgn']) {
        const s = resolveRunSpec({ data: 'x', model: name, strategy: id, epochs: 4, lr: 1e-4 });
        assert.deepEqual(planOf(s), buildPlan(id, { blocks: built, epochs: 4, lr: 1e-4 }), `${name} ${id}`);
      }
    }
  });
});

describe('an experiment cell as a RunSpec', () => {
  it('carries the cell config unchanged, with the data path and engine it runs on', () => {
    const exp = parseExperiment({ name: 't', datasets: ['breastmnist'], models: ['resnet50'], strategies: ['surgical:conv4_x', 'l2-sp'], epochs: 3, lr: 3e-4, seeds: [2], train: { batchSize: 8 } }, 't.yaml');
    const cells = expandCells(exp, 't.yaml');
    const engine = { ...engineFromEnv(), replicas: '1' };
    for (const cell of cells) {
      const spec = cellRunSpec(cell, '/data/b.npz', engine);
      const c = cell.config;
      assert.deepEqual({ model: spec.model, strategy: spec.strategy, epochs: spec.epochs, lr: spec.lr, train: spec.train }, { model: c.model, strategy: c.strategy, epochs: c.epochs, lr: c.lr, train: c.train });
      assert.equal(spec.train.seed, c.seed);
      assert.deepEqual(spec.data, { path: '/data/b.npz', skipBad: false });
      assert.equal(spec.engine.replicas, 1);
    }
    // A surgical block the model lacks is refused when the file is read, naming the strategy.
    const bad = parseExperiment({ name: 't', datasets: ['breastmnist'], models: ['vgg19'], strategies: ['surgical:conv4_x'], epochs: 3 }, 't.yaml');
    assert.throws(() => expandCells(bad, 't.yaml'), /t\.yaml: strategies\[0\] \(surgical:conv4_x\): surgical: no block 'conv4_x'/);
  });
});

describe('runSpec: what ran is what is stored', () => {
  const dir = tempDir('medft-runspec-');
  const paths = testPaths({ cacheDir: join(dir, 'cache') });
  before(async () => { await initEngine({ ...engineFromEnv(), backend: 'wasm' }); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the spec in medft.json, run again, gives the same weights, metrics and predictions', async () => {
    const first = resolveRunSpec({
      data: breastmnist(), model: 'tiny_cnn', inputSize: 16, strategy: 'surgical:block1', epochs: 2, lr: 1e-3,
      train: { batchSize: 32, seed: 3 }, engine: { ...engineFromEnv(), replicas: 1, step: resolveStepEngine(engineFromEnv().step, engineFromEnv(), 1, 'MEDFT_ENGINE') },
    });
    const a = await runSpec(first, { out: join(dir, 'a'), paths });
    assert.deepEqual(a.spec, first);
    assert.deepEqual(a.plan.phases.map((p) => p.trainBlocks), [['block1', 'head']]);
    assert.equal(a.split.splits.test.size, 156);
    const stored = JSON.parse(readFileSync(join(dir, 'a', 'medft.json'), 'utf8')).spec as RunSpec;
    assert.deepEqual(stored, first);
    const b = await runSpec(stored, { out: join(dir, 'b'), paths });
    assert.ok(readFileSync(join(dir, 'a', 'weights.bin')).equals(readFileSync(join(dir, 'b', 'weights.bin'))), 'weights.bin differs');
    assert.deepEqual(b.metrics, a.metrics);
    assert.deepEqual(b.predictions, a.predictions);
    // The record's split summary is split.json's, without the ids.
    const split = JSON.parse(readFileSync(join(dir, 'a', 'split.json'), 'utf8'));
    for (const k of ['train', 'val', 'test']) assert.deepEqual(a.split.splits[k], { size: split.splits[k].size, classCounts: split.splits[k].classCounts, sha256: split.splits[k].sha256 });
  });
});
