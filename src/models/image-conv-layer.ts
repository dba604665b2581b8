/**
 * Conv2D for a convolution that reads the image itself (a network's stem). tfjs-layers computes every conv through
 * the fused op, whose gradient always computes the input gradient too — for the stem that is a full convolution's
 * worth of work per step (ResNet-50's 7×7 conv1: 3.8 GFLOP per batch of 16 at 224 px) for a gradient nobody uses.
 * This layer computes conv + bias + activation as separate ops, so the tape prunes the image's gradient.
 * Its class name stays 'Conv2D': weights and saved models are those of a plain Keras Conv2D.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

interface ConvInternals {
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  strides: [number, number];
  padding: 'same' | 'valid';
  dilationRate: [number, number];
  activation: { apply(t: tf.Tensor): tf.Tensor };
}

const StockConv2D = Object.getPrototypeOf(tfl.layers.conv2d({ filters: 1, kernelSize: 1 })).constructor as {
  new (args: Parameters<typeof tfl.layers.conv2d>[0]): tfl.layers.Layer;
};

export class ImageConv2D extends StockConv2D {
  static className = 'Conv2D';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const c = this as unknown as ConvInternals;
    return tf.tidy(() => {
      let y: tf.Tensor = tf.conv2d(x, c.kernel.read() as tf.Tensor4D, c.strides, c.padding, 'NHWC', c.dilationRate);
      if (c.bias) y = tf.add(y, c.bias.read());
      return c.activation.apply(y);
    });
  }
}

/** Whether a symbolic tensor is the model's input, possibly zero-padded: nothing trainable lies before it. */
export function readsImageOnly(x: tfl.SymbolicTensor): boolean {
  let t: tfl.SymbolicTensor | undefined = x;
  while (t) {
    const cls = t.sourceLayer.getClassName();
    if (cls === 'InputLayer') return true;
    if (cls !== 'ZeroPadding2D') return false;
    t = t.inputs[0];
  }
  return false;
}
