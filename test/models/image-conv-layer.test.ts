/** The stem conv computes what a Keras Conv2D computes, and its train step skips the image's gradient. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { installKernelProfiler, takeKernelTimes } from '../../src/bench/kernel-profiler.ts';
import { buildModel } from '../../src/models/index.ts';
import { ImageConv2D } from '../../src/models/image-conv-layer.ts';
import { maxRelErr, randomValues, useWasm } from '../helpers/backends.ts';

function stemModel(layer: tfl.layers.Layer): tfl.LayersModel {
  const input = tfl.input({ shape: [12, 12, 3] });
  const y = tfl.layers.globalAveragePooling2d({}).apply(layer.apply(input)) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: y });
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(randomValues(w.size, 20 + i), w.shape)));
  return model;
}

function stepKernels(model: tfl.LayersModel, x: tf.Tensor) {
  takeKernelTimes();
  const { value, grads } = tf.variableGrads(() => tf.sum(model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
  const kernels = takeKernelTimes().map((k) => k.kernel);
  const g = Object.values(grads).map((t) => t.dataSync().slice());
  tf.dispose([value, ...Object.values(grads)]);
  return { kernels, grads: g, out: (model.apply(x) as tf.Tensor).dataSync() };
}

describe('ImageConv2D (stem conv)', () => {
  before(useWasm);
  it('same output and weight gradients as Conv2D, without an input-gradient kernel', async () => {
    await tf.setBackend('wasm');
    installKernelProfiler('wasm');
    // linear, as in ResNet-50's and DenseNet-121's stems: tfjs-layers fuses it, and the fused op's gradient computes dx
    const args = { filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'linear' } as const;
    const x = tf.tensor4d(randomValues(2 * 12 * 12 * 3, 5), [2, 12, 12, 3]);
    const stock = stepKernels(stemModel(tfl.layers.conv2d(args)), x);
    const ours = stepKernels(stemModel(new ImageConv2D(args)), x);
    assert.ok(maxRelErr(ours.out, stock.out) < 1e-6);
    stock.grads.forEach((g, i) => assert.ok(maxRelErr(ours.grads[i], g) < 1e-5, `gradient ${i}`));
    assert.ok(stock.kernels.includes('Conv2DBackpropInput'), `the stock layer computes the image gradient: ${stock.kernels}`);
    assert.ok(!ours.kernels.includes('Conv2DBackpropInput'), 'the stem layer does not');
  });

  it('is used for exactly the convs that read the image', () => {
    const { model } = buildModel('resnet50', { numClasses: 2, inputSize: 32 });
    const stems = model.layers.filter((l) => l instanceof ImageConv2D).map((l) => l.name);
    assert.deepEqual(stems, ['conv1_conv']);
  });
});
