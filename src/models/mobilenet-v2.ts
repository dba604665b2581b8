/**
 * MobileNetV2 as keras.applications.MobileNetV2 builds it (inverted residual blocks with `block_N_*` names,
 * BatchNorm eps 1e-3 momentum 0.999, ReLU6, `correct_pad` before stride-2 depthwise convs, last conv 1280 wide for
 * alpha ≤ 1). Alpha 0.35 without top: 410,208 parameters. ImageNet weights: a TF.js layers folder or Keras' .h5.
 */
import { TF_SPEC } from '../data/preprocess-spec.ts';
import { add, batchNorm, channels, conv, correctPad, dense, depthwiseConv, globalAvgPool, relu6, zeroPad, type Sym } from './layers.ts';
import { pyFloat, weightRows } from './mobilenet-v1.ts';
import type { FamilyDef } from './types.ts';
import { localH5, localTfjs } from './weights/resolve.ts';

const BN = { epsilon: 1e-3, momentum: 0.999 };

/** [filters, stride, expansion] of blocks 0..16. */
const BLOCKS: [number, number, number][] = [
  [16, 1, 1],
  [24, 2, 6], [24, 1, 6],
  [32, 2, 6], [32, 1, 6], [32, 1, 6],
  [64, 2, 6], [64, 1, 6], [64, 1, 6], [64, 1, 6],
  [96, 1, 6], [96, 1, 6], [96, 1, 6],
  [160, 2, 6], [160, 1, 6], [160, 1, 6],
  [320, 1, 6],
];
const STAGE_OF_BLOCK = [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5];

/** Keras `_make_divisible`. */
export function makeDivisible(v: number, divisor = 8): number {
  let n = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

function invertedRes(inputs: Sym, filters: number, alpha: number, stride: number, expansion: number, id: number): Sym {
  const inC = channels(inputs);
  const outC = makeDivisible(Math.trunc(filters * alpha));
  let x = inputs;
  let prefix = `block_${id}_`;
  if (id) {
    x = conv(x, { name: `${prefix}expand`, filters: expansion * inC, kernelSize: 1, padding: 'same', useBias: false });
    x = batchNorm(x, `${prefix}expand_BN`, BN);
    x = relu6(x, `${prefix}expand_relu`);
  } else {
    prefix = 'expanded_conv_';
  }
  if (stride === 2) x = zeroPad(x, `${prefix}pad`, correctPad(x));
  x = depthwiseConv(x, { name: `${prefix}depthwise`, kernelSize: 3, strides: stride, padding: stride === 1 ? 'same' : 'valid' });
  x = batchNorm(x, `${prefix}depthwise_BN`, BN);
  x = relu6(x, `${prefix}depthwise_relu`);
  x = conv(x, { name: `${prefix}project`, filters: outC, kernelSize: 1, padding: 'same', useBias: false });
  x = batchNorm(x, `${prefix}project_BN`, BN);
  return inC === outC && stride === 1 ? add([inputs, x], `${prefix}add`) : x;
}

export const mobilenetV2: FamilyDef = {
  name: 'mobilenet_v2',
  family: 'mobilenet',
  description: 'MobileNetV2 (Sandler et al. 2018), keras.applications.MobileNetV2, alpha 0.35–1.4',
  defaultInputSize: 224,
  minInputSize: 32,
  alphas: [0.35, 0.5, 0.75, 1.0, 1.3, 1.4],
  defaultAlpha: 1.0,
  preprocess: TF_SPEC,
  blockNames: ['stem', 'stage1', 'stage2', 'stage3', 'stage4', 'stage5', 'head'],
  blockOf(name) {
    if (/^(Conv1|bn_Conv1|Conv1_relu)$/.test(name)) return 'stem';
    if (name.startsWith('expanded_conv_')) return 'stage1';
    const m = /^block_(\d+)_/.exec(name);
    if (m) return `stage${STAGE_OF_BLOCK[Number(m[1])]}`;
    if (/^(Conv_1|Conv_1_bn|out_relu)$/.test(name)) return 'stage5';
    return 'head';
  },
  backbone(input, o) {
    let x = conv(input, { name: 'Conv1', filters: makeDivisible(32 * o.alpha), kernelSize: 3, strides: 2, padding: 'same', useBias: false });
    x = batchNorm(x, 'bn_Conv1', BN);
    x = relu6(x, 'Conv1_relu');
    BLOCKS.forEach(([f, s, e], i) => {
      x = invertedRes(x, f, o.alpha, s, e, i);
    });
    const last = o.alpha > 1.0 ? makeDivisible(1280 * o.alpha) : 1280;
    x = conv(x, { name: 'Conv_1', filters: last, kernelSize: 1, useBias: false });
    x = batchNorm(x, 'Conv_1_bn', BN);
    return relu6(x, 'out_relu');
  },
  kerasTop(x, o) {
    return dense(globalAvgPool(x, 'global_average_pooling2d'), 'predictions', o.numClasses, 'softmax', o.seed);
  },
  topLayerNames: ['global_average_pooling2d', 'predictions'],
  weightSources(o) {
    const a = pyFloat(o.alpha);
    return weightRows(o, [96, 128, 160, 192, 224]).flatMap((rows) => {
      const h5 = `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${a}_${rows}`;
      return [
        localTfjs(`mobilenet_v2_${a}_${rows}_imagenet`, true),
        localTfjs(`mobilenet_v2_${a}_${rows}_imagenet_notop`, false),
        localH5(`${h5}.h5`, true),
        localH5(`${h5}_no_top.h5`, false),
      ];
    });
  },
};
