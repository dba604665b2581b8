/**
 * A full train step (forward, backward, Adam update) of a small ResNet-style network on wasm gives the same loss
 * trajectory and the same weights as the cpu backend, starting from identical weights on an identical batch.
 * Convs carry no bias: every conv here feeds a BatchNorm (directly or through pooling and 1×1 convs), which cancels it, so its true gradient is 0 and Adam would turn the
 * float noise of either backend into full-size steps, which no tolerance could compare.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { maxRelErr, randomValues, useWasm } from '../helpers/backends.ts';

function smallResNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [20, 20, 3] });
  const convBn = (x: tfl.SymbolicTensor, filters: number, k: number, stride: number, name: string, relu = true) => {
    let y = tfl.layers.conv2d({ filters, kernelSize: k, strides: stride, padding: 'same', useBias: false, name: `${name}_conv` }).apply(x) as tfl.SymbolicTensor;
    y = tfl.layers.batchNormalization({ epsilon: 1.001e-5, name: `${name}_bn` }).apply(y) as tfl.SymbolicTensor;
    return relu ? (tfl.layers.activation({ activation: 'relu' }).apply(y) as tfl.SymbolicTensor) : y;
  };
  let x = tfl.layers.zeroPadding2d({ padding: 3 }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: 16, kernelSize: 7, strides: 2, useBias: false, name: 'conv1_conv' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as tfl.SymbolicTensor;
  // one bottleneck block with a projection shortcut, one with identity
  const shortcut = convBn(x, 32, 1, 2, 'b1_0', false);
  let y = convBn(x, 8, 1, 2, 'b1_1');
  y = convBn(y, 8, 3, 1, 'b1_2');
  y = convBn(y, 32, 1, 1, 'b1_3', false);
  x = tfl.layers.activation({ activation: 'relu' }).apply(tfl.layers.add().apply([shortcut, y])) as tfl.SymbolicTensor;
  y = convBn(x, 8, 1, 1, 'b2_1');
  y = convBn(y, 8, 3, 1, 'b2_2');
  y = convBn(y, 32, 1, 1, 'b2_3', false);
  x = tfl.layers.activation({ activation: 'relu' }).apply(tfl.layers.add().apply([x, y])) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 3, name: 'head' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

/** Builds the net on the current backend with deterministic weights and trains `steps` Adam steps on one batch. */
function train(steps: number) {
  const model = smallResNet();
  model.setWeights(model.getWeights().map((w, i) => {
    const isVariance = model.weights[i].name.includes('moving_variance');
    const v = randomValues(w.size, 100 + i).map((u) => (isVariance ? 1 + 0.5 * u : 0.3 * u));
    return tf.tensor(v, w.shape);
  }));
  const x = tf.tensor4d(randomValues(8 * 20 * 20 * 3, 1), [8, 20, 20, 3]);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
  const opt = tf.train.adam(1e-2);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor), true);
    losses.push(loss!.dataSync()[0]);
    loss!.dispose();
  }
  const weights = model.getWeights().map((w) => w.dataSync().slice());
  return { losses, weights, names: model.weights.map((w) => w.name) };
}

describe('train step on wasm', () => {
  before(useWasm);
  it('matches the cpu backend step for step (loss and every weight)', async () => {
    await tf.setBackend('cpu');
    const ref = train(6);
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const got = train(6);
    assert.ok(got.losses[5] < got.losses[0] * 0.8, `loss should fall: ${got.losses.map((l) => l.toFixed(4))}`);
    for (let s = 0; s < 6; s++) {
      assert.ok(Math.abs(got.losses[s] - ref.losses[s]) <= 1e-4 * Math.abs(ref.losses[s]),
        `step ${s}: wasm loss ${got.losses[s]} vs cpu ${ref.losses[s]}`);
    }
    for (let i = 0; i < ref.weights.length; i++) {
      const err = maxRelErr(got.weights[i], ref.weights[i]);
      assert.ok(err <= 1e-3, `${got.names[i]}: max relative difference ${err}`);
    }
    assert.ok(tf.memory().numTensors - before < 200, 'no per-step tensor leak');
  });
});
