/** A small ResNet-style network (7×7 stem, maxpool, two bottlenecks, BN, GAP, dense) and a deterministic Adam run on it. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { randomValues } from './backends.ts';

export function smallResNet(): tfl.LayersModel {
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
export function train(steps: number) {
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

