/**
 * medft's BatchNormalization layer: in training it gives the stock tfjs-layers numbers (output and moving averages)
 * through the fused op; frozen, it normalises with its moving statistics and leaves every statistic bit-identical.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormTraining } from '../../src/engine/ops/batch-norm-training.ts';
import { BatchNormalization } from '../../src/models/batch-norm-layer.ts';
import { maxRelErr, randomValues, useWasm } from '../helpers/backends.ts';

function build(layer: tfl.layers.Layer, channels = 6): tfl.LayersModel {
  const input = tfl.input({ shape: [5, 4, channels] });
  const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
  model.setWeights([
    tf.tensor1d(randomValues(channels, 1).map((v) => 1 + v / 2)), tf.tensor1d(randomValues(channels, 2)),
    tf.tensor1d(randomValues(channels, 3)), tf.tensor1d(randomValues(channels, 4).map((v) => 1.5 + v)),
  ]);
  return model;
}

const batch = () => tf.tensor4d(randomValues(3 * 5 * 4 * 6, 5).map((v, i) => 1 + 3 * v + (i % 6)), [3, 5, 4, 6]);
const values = (m: tfl.LayersModel) => m.getWeights().map((w) => w.dataSync().slice());

describe('BatchNormalization layer', () => {
  before(useWasm);
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`training matches stock tfjs-layers, moving averages included (${backend})`, async () => {
      await tf.setBackend(backend);
      const opts = { momentum: 0.9, epsilon: 1e-3 };
      const stock = build(tfl.layers.batchNormalization(opts));
      const ours = build(new BatchNormalization(opts));
      const x = batch();
      const yStock = (stock.apply(x, { training: true }) as tf.Tensor).dataSync();
      const yOurs = (ours.apply(x, { training: true }) as tf.Tensor).dataSync();
      assert.ok(maxRelErr(yOurs, yStock) < 1e-5, `output ${maxRelErr(yOurs, yStock)}`);
      const [ws, wo] = [values(stock), values(ours)];
      for (let i = 0; i < 4; i++) assert.ok(maxRelErr(wo[i], ws[i]) < 1e-5, `weight ${i}: ${maxRelErr(wo[i], ws[i])}`);
      assert.ok(maxRelErr(wo[2], values(build(new BatchNormalization(opts)))[2]) > 1e-3, 'moving mean moved');
    });
  }

  it('frozen: inference-mode output under training=true, statistics bit-identical', async () => {
    await tf.setBackend('wasm');
    const layer = new BatchNormalization({ momentum: 0.9 });
    const model = build(layer);
    layer.trainable = false;
    const before = values(model);
    const x = batch();
    const yTrain = (model.apply(x, { training: true }) as tf.Tensor).dataSync();
    const yInfer = (model.apply(x, { training: false }) as tf.Tensor).dataSync();
    assert.deepEqual(yTrain, yInfer);
    const after = values(model);
    for (let i = 0; i < 4; i++) assert.deepEqual(after[i], before[i]);
  });

  it('training updates the moving averages with the bits of TF.js ops (sub, mul, sub), leaking no tensor', async () => {
    await tf.setBackend('wasm');
    const momentum = 0.99;
    const layer = new BatchNormalization({ momentum });
    const model = build(layer, 512); // enough channels for a rounding difference to show somewhere
    const x = tf.tensor4d(randomValues(3 * 5 * 4 * 512, 5).map((v, i) => 1 + 3 * v + (i % 7)), [3, 5, 4, 512]);
    const before = values(model);
    const tensors = tf.memory().numTensors;
    tf.dispose(model.apply(x, { training: true }) as tf.Tensor);
    assert.equal(tf.memory().numTensors, tensors, 'tensors leaked');
    const [gamma, beta] = [tf.tensor1d(before[0]), tf.tensor1d(before[1])];
    const { y, mean, variance } = batchNormTraining(x, gamma, beta, 1e-3);
    tf.dispose([y, gamma, beta]);
    const after = values(model);
    [mean, variance].forEach((batchValue, k) => {
      const want = tf.tidy(() => {
        const old = tf.tensor1d(before[2 + k]);
        return tf.sub(old, tf.mul(tf.sub(old, tf.tensor1d(Float32Array.from(batchValue))), 1 - momentum)).dataSync();
      });
      assert.deepEqual(after[2 + k], want, k === 0 ? 'moving mean' : 'moving variance');
    });
  });
});
