/**
 * VGG-19 exactly as keras.applications.VGG19 builds it (block1_conv1 … block5_conv4, top flatten → fc1 → fc2 →
 * predictions): 143,667,240 parameters with the 1000-class top, 20,024,384 without. ImageNet weights: Keras' .h5.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { CAFFE_SPEC } from '../data/preprocess-spec.ts';
import { conv, dense, maxPool, type Sym } from './layers.ts';
import type { FamilyDef } from './types.ts';
import { UsageError } from '../errors.ts';
import { KERAS_BASE } from './weights/download.ts';
import { kerasDownload, localH5 } from './weights/resolve.ts';

const STAGES: [number, number][] = [
  [64, 2],
  [128, 2],
  [256, 4],
  [512, 4],
  [512, 4],
];

const file = (suffix: string) => `vgg19_weights_tf_dim_ordering_tf_kernels${suffix}.h5`;

export const vgg19: FamilyDef = {
  name: 'vgg19',
  family: 'vgg',
  description: 'VGG-19 (Simonyan & Zisserman 2015), keras.applications.VGG19',
  defaultInputSize: 224,
  minInputSize: 32,
  preprocess: CAFFE_SPEC,
  blockNames: ['block1', 'block2', 'block3', 'block4', 'block5', 'head'],
  blockOf(name) {
    const m = /^(block[1-5])_/.exec(name);
    return m ? m[1] : 'head';
  },
  backbone(input) {
    let x = input;
    STAGES.forEach(([filters, n], s) => {
      for (let i = 1; i <= n; i++) {
        x = conv(x, { name: `block${s + 1}_conv${i}`, filters, kernelSize: 3, padding: 'same', activation: 'relu' });
      }
      x = maxPool(x, `block${s + 1}_pool`, 2, 2);
    });
    return x;
  },
  kerasTop(x, o) {
    x = tfl.layers.flatten({ name: 'flatten' }).apply(x) as Sym;
    x = dense(x, 'fc1', 4096, 'relu');
    x = dense(x, 'fc2', 4096, 'relu');
    return dense(x, 'predictions', o.numClasses, 'softmax', o.seed);
  },
  topLayerNames: ['flatten', 'fc1', 'fc2', 'predictions'],
  validate(o) {
    if (o.includeTop && o.inputSize !== 224) {
      throw new UsageError(`vgg19 with its Keras top needs inputSize 224 (the top flattens a 7×7×512 map), got ${o.inputSize}; use includeTop: false for other sizes`);
    }
  },
  weightSources: () => [
    localH5(file(''), true),
    localH5(file('_notop'), false),
    kerasDownload({ name: file(''), url: `${KERAS_BASE}vgg19/${file('')}`, hash: 'cbe5617147190e668d6c5d5026f83318' }, true),
    kerasDownload({ name: file('_notop'), url: `${KERAS_BASE}vgg19/${file('_notop')}`, hash: '253f8cb515780f3b799900260a226db6' }, false),
  ],
};
