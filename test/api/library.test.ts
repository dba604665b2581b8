/**
 * The library API (src/index.ts, package.json "main"): one entry per CLI job, and a few real calls through it —
 * an engine, a model, a plan, a metric against a hand computation, an experiment plan from the shipped file.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as medft from '../../src/index.ts';

describe('library API (src/index.ts)', () => {
  it('is what package.json names as main', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { main: string };
    assert.equal(pkg.main, 'src/index.ts');
  });

  it('exports a function for every CLI job', () => {
    const jobs: Record<string, Array<keyof typeof medft>> = {
      datasets: ['openDataset', 'inspectDataset'],
      models: ['createModel', 'listModels', 'loadWeights'],
      strategies: ['buildPlan', 'strategyIds'],
      finetune: ['resolveRunSpec', 'runSpec'],
      evaluate: ['loadFinetuned', 'evaluateClassification'],
      predict: ['predictDataset'],
      run: ['planExperiment', 'runExperiment'],
      report: ['writeReport'],
      export: ['exportBestModels', 'chooseBest'],
      bench: ['benchModel', 'benchKernels', 'findMaxBatch'],
      queue: ['runQueued', 'startWorker', 'queueStatus'],
    };
    for (const [job, names] of Object.entries(jobs)) {
      for (const n of names) assert.equal(typeof medft[n], 'function', `${job}: ${String(n)} is not exported as a function`);
    }
  });

  it('works end to end on small inputs', async () => {
    const info = await medft.initEngine({ ...medft.engineFromEnv(), backend: 'wasm' });
    assert.equal(info.backend, 'wasm');
    const { model } = await medft.createModel('tiny_cnn', { numClasses: 3, inputSize: 16 });
    assert.deepEqual(model.outputs[0].shape, [null, 3]);
    model.dispose();
    for (const id of medft.STUDY_STRATEGIES) assert.ok(medft.strategyIds().includes(id), id);
    const plan = medft.buildPlan('lp-ft', { blocks: ['stem', 'stage1', 'head'], epochs: 4, lr: 1e-4 });
    assert.deepEqual(plan.phases.map((p) => p.epochs), [2, 2]);
    // 3 of 4 right: labels 0,1,1,0 against argmax of the rows
    assert.equal(medft.accuracy([0, 1, 1, 0], [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]], 2), 0.75);
    const exp = medft.planExperiment(new URL('../../experiments/default.yaml', import.meta.url).pathname);
    // The eight strategies, each with the four candidates of its own LR grid (lrGrid: auto).
    assert.equal(exp.cells.length, 8 * 4);
    assert.deepEqual([...new Set(exp.cells.map((c) => c.config.strategy.id))].sort(), [...medft.STUDY_STRATEGIES].sort());
    for (const id of medft.STUDY_STRATEGIES) assert.equal(exp.cells.filter((c) => c.config.strategy.id === id).length, 4, id);
  });
});
