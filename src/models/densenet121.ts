/**
 * DenseNet-121 exactly as keras.applications.DenseNet121 builds it (growth rate 32, blocks 6/12/24/16,
 * compression 0.5, BatchNorm epsilon 1.001e-5, convs without bias): 8,062,504 parameters with the 1000-class top.
 * ImageNet weights: Keras' .h5 files (placed by the user, or downloaded and md5-checked against Keras' pin).
 */
import { TORCH_SPEC } from '../data/preprocess-spec.ts';
import { avgPool, batchNorm, channels, concat, conv, dense, globalAvgPool, maxPool, relu, zeroPad, type Sym } from './layers.ts';
import type { FamilyDef } from './types.ts';
import { KERAS_BASE } from './weights/download.ts';
import { kerasDownload, localH5 } from './weights/resolve.ts';

const EPS = 1.001e-5;
const GROWTH = 32;
const BLOCKS = [6, 12, 24, 16];

function convBlock(x: Sym, name: string): Sym {
  let y = batchNorm(x, `${name}_0_bn`, { epsilon: EPS });
  y = relu(y, `${name}_0_relu`);
  y = conv(y, { name: `${name}_1_conv`, filters: 4 * GROWTH, kernelSize: 1, useBias: false });
  y = batchNorm(y, `${name}_1_bn`, { epsilon: EPS });
  y = relu(y, `${name}_1_relu`);
  y = conv(y, { name: `${name}_2_conv`, filters: GROWTH, kernelSize: 3, padding: 'same', useBias: false });
  return concat([x, y], `${name}_concat`);
}

function transition(x: Sym, name: string): Sym {
  let y = batchNorm(x, `${name}_bn`, { epsilon: EPS });
  y = relu(y, `${name}_relu`);
  y = conv(y, { name: `${name}_conv`, filters: Math.floor(channels(y) * 0.5), kernelSize: 1, useBias: false });
  return avgPool(y, `${name}_pool`, 2, 2);
}

const STAGE_BLOCK: Record<string, string> = {
  conv2: 'dense1', pool2: 'trans1', conv3: 'dense2', pool3: 'trans2', conv4: 'dense3', pool4: 'trans3', conv5: 'dense4',
};

const file = (suffix: string) => `densenet121_weights_tf_dim_ordering_tf_kernels${suffix}.h5`;

export const densenet121: FamilyDef = {
  name: 'densenet121',
  family: 'densenet',
  description: 'DenseNet-121 (Huang et al. 2017), keras.applications.DenseNet121',
  defaultInputSize: 224,
  minInputSize: 32,
  preprocess: TORCH_SPEC,
  blockNames: ['stem', 'dense1', 'trans1', 'dense2', 'trans2', 'dense3', 'trans3', 'dense4', 'head'],
  blockOf(name) {
    const m = /^(conv[2-5]|pool[2-4])_/.exec(name);
    if (m) return STAGE_BLOCK[m[1]];
    if (/^(conv1_|pool1$|zero_padding2d)/.test(name)) return 'stem';
    if (name === 'bn' || name === 'relu') return 'dense4';
    return 'head';
  },
  backbone(input) {
    let x = zeroPad(input, 'zero_padding2d', [[3, 3], [3, 3]]);
    x = conv(x, { name: 'conv1_conv', filters: 64, kernelSize: 7, strides: 2, useBias: false });
    x = batchNorm(x, 'conv1_bn', { epsilon: EPS });
    x = relu(x, 'conv1_relu');
    x = zeroPad(x, 'zero_padding2d_1', [[1, 1], [1, 1]]);
    x = maxPool(x, 'pool1', 3, 2);
    BLOCKS.forEach((n, s) => {
      for (let i = 1; i <= n; i++) x = convBlock(x, `conv${s + 2}_block${i}`);
      if (s < BLOCKS.length - 1) x = transition(x, `pool${s + 2}`);
    });
    x = batchNorm(x, 'bn', { epsilon: EPS });
    return relu(x, 'relu');
  },
  kerasTop(x, o) {
    return dense(globalAvgPool(x, 'avg_pool'), 'predictions', o.numClasses, 'softmax', o.seed);
  },
  topLayerNames: ['avg_pool', 'predictions'],
  weightSources: () => [
    localH5(file(''), true),
    localH5(file('_notop'), false),
    kerasDownload({ name: file(''), url: `${KERAS_BASE}densenet/${file('')}`, hash: '9d60b8095a5708f2dcce2bca79d332c7' }, true),
    kerasDownload({ name: file('_notop'), url: `${KERAS_BASE}densenet/${file('_notop')}`, hash: '30ee3e1110167f948a6b9946edeeb738' }, false),
  ],
};
