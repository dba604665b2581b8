/**
 * Data-parallel replicas (worker threads, one wasm engine each) against one engine: the summed gradients, the loss
 * and the BatchNorm moving statistics of a step equal the single-engine step's up to float rounding — which they
 * cannot without synchronised BatchNorm (each half of a batch has other statistics) and correct loss scaling; a
 * whole training run with replicas ends at the single-engine run's weights; a failing replica stops the step with an
 * error instead of a hang. Run on both engines `.ci/run` tests: with the oneDNN accelerator (each engine on its share
 * of oneDNN's threads, one engine alone on all of them) and on pure wasm (MEDFT_ACCELERATOR=none).
 */
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { engineInfo } from '../../src/engine/backend.ts';
import { tryLoadOneDnn } from '../../src/engine/native/onednn.ts';
import { floatsOf } from '../../src/engine/tensor-io.ts';
import { UsageError } from '../../src/errors.ts';
import { buildModel } from '../../src/models/index.ts';
import { buildPlan } from '../../src/strategies/index.ts';
import { resolveTrainConfig } from '../../src/train/config.ts';
import { crossEntropy } from '../../src/train/loss.ts';
import { train } from '../../src/train/loop.ts';
import { ONE_ENGINE, resolveReplicas, startDataParallel } from '../../src/train/data-parallel/index.ts';
import { shardRows } from '../../src/train/data-parallel/replica-group.ts';
import { createChannelBuffers, ReplicaAborted, SharedChannel } from '../../src/train/data-parallel/shared-channel.ts';
import { randomValues, useWasm } from '../helpers/backends.ts';
import { snapshot, syntheticDataset, tinyModel } from './fixtures.ts';

/** ‖a − b‖ / ‖b‖ */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) { num += (a[i] - b[i]) ** 2; den += b[i] ** 2; }
  return Math.sqrt(num / (den || 1e-30));
}

describe('data-parallel replicas', () => {
  before(useWasm);

  it('splits rows as evenly as possible, rank 0 first', () => {
    assert.deepEqual(shardRows(16, 2), [[0, 8], [8, 16]]);
    assert.deepEqual(shardRows(7, 2), [[0, 4], [4, 7]]);
    assert.deepEqual(shardRows(5, 3), [[0, 2], [2, 4], [4, 5]]);
  });

  it('--replicas: auto is every core on pure wasm and 1 with the accelerator; other backends refuse more; bad values are usage errors', () => {
    const wasm = { backend: 'wasm', accelerator: 'none' } as Parameters<typeof resolveReplicas>[1];
    const accel = { backend: 'wasm', accelerator: 'onednn' } as Parameters<typeof resolveReplicas>[1];
    const node = { backend: 'tensorflow', accelerator: 'none' } as Parameters<typeof resolveReplicas>[1];
    assert.ok(resolveReplicas('auto', wasm) >= 1);
    assert.equal(resolveReplicas('auto', accel), 1);
    assert.equal(resolveReplicas('auto', wasm, 3), 3);
    assert.equal(resolveReplicas('3', wasm), 3);
    assert.equal(resolveReplicas('1', accel), 1);
    assert.equal(resolveReplicas('2', accel), 2);
    assert.equal(resolveReplicas('auto', node), 1);
    assert.throws(() => resolveReplicas('2', node), /for the wasm engine.*use --replicas 1/);
    for (const bad of ['0', '-1', '1.5', 'two']) assert.throws(() => resolveReplicas(bad, wasm), UsageError);
  });

  it('one step over 2 and 3 replicas equals the single-engine step (gradients, loss, BatchNorm statistics)', async () => {
    // MobileNetV2 has BatchNorm after every conv, depthwise convs and ReLU6; 7 rows give uneven shards.
    const { model, spec } = buildModel('mobilenet_v2', { numClasses: 3, inputSize: 32, alpha: 0.35 });
    const rows = 7;
    const x = randomValues(rows * 32 * 32 * 3, 11);
    const y = Int32Array.from({ length: rows }, (_, i) => (i * 2) % 3);
    const classWeights = [0.5, 1.25, 2];
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const stats = model.weights.filter((w) => /moving_(mean|variance)/.test(w.originalName)).map((w) => w.read() as tf.Variable);
    const statsBefore = stats.map((v) => floatsOf(v).slice());

    const ref = tf.variableGrads(() => crossEntropy(model.apply(tf.tensor(x, [rows, 32, 32, 3]), { training: true }) as tf.Tensor, y, 3, classWeights), vars);
    const refLoss = ref.value.dataSync()[0];
    const refGrads = vars.map((v) => floatsOf(ref.grads[v.name]).slice());
    const refStats = stats.map((v) => floatsOf(v).slice());
    tf.dispose([ref.value, ...Object.values(ref.grads)]);

    for (const ranks of [2, 3]) {
      stats.forEach((v, i) => floatsOf(v).set(statsBefore[i]));
      const group = await startDataParallel(model, spec, ranks);
      const accelerator = engineInfo().accelerator === 'onednn' ? tryLoadOneDnn().addon! : null;
      try {
        // with the accelerator, each engine (this one too) runs oneDNN on its share of the threads
        if (accelerator) assert.equal(accelerator.threads(), Math.max(1, Math.floor(engineInfo().acceleratorThreads / ranks)));
        const r = group.gradients({ net: model, variables: vars, batch: { x, shape: [rows, 32, 32, 3], y }, numClasses: 3, classWeights });
        assert.ok(r.split, 'the step was split over the ranks');
        assert.ok(Math.abs(r.loss - refLoss) <= 1e-5 * refLoss, `${ranks} ranks: loss ${r.loss} vs ${refLoss}`);
        let checked = 0;
        vars.forEach((v, i) => {
          const g = refGrads[i];
          const norm = Math.sqrt(g.reduce((a, b) => a + b * b, 0));
          if (norm < 1e-6) return; // nothing but rounding noise to compare
          assert.ok(relDiff(floatsOf(r.grads[v.name]), g) < 1e-4, `${ranks} ranks: gradient of ${v.name} differs by ${relDiff(floatsOf(r.grads[v.name]), g)}`);
          checked++;
        });
        assert.ok(checked > 100, `only ${checked} gradients compared`);
        stats.forEach((v, i) => assert.ok(relDiff(floatsOf(v), refStats[i]) < 1e-5, `${ranks} ranks: ${v.name} differs`));
        tf.dispose(Object.values(r.grads));
        // fewer rows than ranks: rank 0 runs the batch alone, as one engine would
        const alone = group.gradients({ net: model, variables: vars, batch: { x: x.subarray(0, 32 * 32 * 3), shape: [1, 32, 32, 3], y: y.subarray(0, 1) }, numClasses: 3 });
        assert.equal(alone.split, null);
        const here = ONE_ENGINE.gradients({ net: model, variables: vars, batch: { x: x.subarray(0, 32 * 32 * 3), shape: [1, 32, 32, 3], y: y.subarray(0, 1) }, numClasses: 3 });
        assert.equal(alone.loss, here.loss);
        tf.dispose([...Object.values(alone.grads), ...Object.values(here.grads)]);
      } finally {
        await group.close();
      }
      if (accelerator) assert.equal(accelerator.threads(), engineInfo().acceleratorThreads, 'threads given back');
    }
    model.dispose();
  });

  it('training with 2 replicas ends at the single-engine run\'s weights', async () => {
    const ds = syntheticDataset(40);
    const finalWeights = async (replicas: number) => {
      const created = await tinyModel();
      const plan = buildPlan('ft', { blocks: created.spec.blocks.map((b) => b.name), epochs: 2, lr: 1e-2 });
      const dataParallel = await startDataParallel(created.model, created.spec, replicas);
      try {
        const result = await train({
          ...created, plan, dataset: ds, split: ds.split, dataParallel,
          config: resolveTrainConfig({ batchSize: 8, augment: false, earlyStopping: { patience: 0, restoreBest: false } }),
        });
        return { weights: snapshot(created.model), loss: result.history.map((h) => h.trainLoss) };
      } finally {
        await dataParallel.close();
        created.model.dispose();
      }
    };
    const one = await finalWeights(1);
    const two = await finalWeights(2);
    two.loss.forEach((l, i) => assert.ok(Math.abs(l - one.loss[i]) < 1e-4 * one.loss[i], `epoch ${i + 1} loss ${l} vs ${one.loss[i]}`));
    for (const [name, w] of one.weights) assert.ok(relDiff(two.weights.get(name)!, w) < 1e-3, `${name} differs by ${relDiff(two.weights.get(name)!, w)}`);
    // and the weights moved: equality is not two untouched copies
    const start = snapshot((await tinyModel()).model);
    assert.ok([...one.weights].some(([name, w]) => relDiff(w, start.get(name)!) > 1e-2));
  });

  it('a replica that cannot build the same model fails the start, naming why', async () => {
    const { model, spec } = buildModel('tiny_cnn', { numClasses: 2, inputSize: 16 });
    try {
      await assert.rejects(startDataParallel(model, { ...spec, numClasses: 5 }, 2), /replica 1 did not start: .*does not have rank 0's weights/);
    } finally {
      model.dispose();
    }
  });

  it('a rank that aborts wakes the others out of the barrier with an error, not a hang', async () => {
    const buffers = createChannelBuffers(2, 1, 1, 4);
    const api = import.meta.resolve('tsx/esm/api');
    const channelModule = new URL('../../src/train/data-parallel/shared-channel.ts', import.meta.url).href;
    const worker = new Worker(`import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(channelModule)}); })
      .then(({ SharedChannel }) => { const c = new SharedChannel(require('node:worker_threads').workerData, 1); setTimeout(() => c.abort(), 300); })`,
    { eval: true, workerData: buffers });
    const channel = new SharedChannel(buffers, 0);
    const t0 = performance.now();
    assert.throws(() => channel.barrier(), ReplicaAborted);
    assert.ok(performance.now() - t0 < 20_000);
    await worker.terminate();
  });

  it('the barrier and small all-reduce across two threads: every rank gets the rank-ordered sum', async () => {
    const buffers = createChannelBuffers(2, 1, 1, 4);
    const api = import.meta.resolve('tsx/esm/api');
    const channelModule = new URL('../../src/train/data-parallel/shared-channel.ts', import.meta.url).href;
    const worker = new Worker(`import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(channelModule)}); })
      .then(({ SharedChannel }) => {
        const { parentPort, workerData } = require('node:worker_threads');
        const c = new SharedChannel(workerData, 1);
        const out = [];
        for (let k = 0; k < 50; k++) { const p = Float64Array.of(k, 0.25); c.allReduceSmall([p]); out.push(...p); }
        parentPort.postMessage(out);
      })`, { eval: true, workerData: buffers });
    const fromWorker = new Promise<number[]>((resolve) => worker.once('message', resolve));
    const channel = new SharedChannel(buffers, 0);
    const mine: number[] = [];
    for (let k = 0; k < 50; k++) { const p = Float64Array.of(10 * k, 0.5); channel.allReduceSmall([p]); mine.push(...p); }
    const expected = Array.from({ length: 50 }, (_, k) => [11 * k, 0.75]).flat();
    assert.deepEqual(mine, expected);
    assert.deepEqual(await fromWorker, expected);
    await worker.terminate();
  });
});
