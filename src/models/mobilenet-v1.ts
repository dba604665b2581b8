/**
 * MobileNet v1 as keras.applications.MobileNet builds it (conv1 3×3/2 without bias, BatchNorm eps 1e-3, ReLU6,
 * 13 depthwise + pointwise blocks, top: global average pooling → reshape [1,1,C] → dropout → conv_preds 1×1 →
 * reshape → softmax). Alpha 0.25 with top: 475,544 parameters. ImageNet weights: a TF.js weights-only manifest
 * (`modelTopology: null`, e.g. Google's tfjs-models export) or Keras' .h5, loaded by name into this topology.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { TF_SPEC } from '../data/preprocess-spec.ts';
import { batchNorm, channels, conv, depthwiseConv, globalAvgPool, relu6, zeroPad, type Sym } from './layers.ts';
import type { FamilyDef, ResolvedOptions } from './types.ts';
import { localH5, localTfjs } from './weights/resolve.ts';

/** [pointwise filters, stride] of blocks 1..13. */
const BLOCKS: [number, number][] = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2], [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
];
const STAGE_OF_BLOCK = [0, 1, 2, 2, 3, 3, 4, 4, 4, 4, 4, 4, 5, 5];

export function pyFloat(a: number): string {
  return Number.isInteger(a) ? a.toFixed(1) : String(a);
}

/** Resolutions whose weights fit: the model's own if ImageNet weights were trained at it, then 224 (Keras' default). */
export function weightRows(o: ResolvedOptions, trained: number[]): number[] {
  return trained.includes(o.inputSize) && o.inputSize !== 224 ? [o.inputSize, 224] : [224];
}

function dwBlock(x: Sym, filters: number, alpha: number, stride: number, id: number): Sym {
  if (stride !== 1) x = zeroPad(x, `conv_pad_${id}`, [[0, 1], [0, 1]]);
  x = depthwiseConv(x, { name: `conv_dw_${id}`, kernelSize: 3, strides: stride, padding: stride === 1 ? 'same' : 'valid' });
  x = batchNorm(x, `conv_dw_${id}_bn`);
  x = relu6(x, `conv_dw_${id}_relu`);
  x = conv(x, { name: `conv_pw_${id}`, filters: Math.floor(filters * alpha), kernelSize: 1, padding: 'same', useBias: false });
  x = batchNorm(x, `conv_pw_${id}_bn`);
  return relu6(x, `conv_pw_${id}_relu`);
}

export const mobilenetV1: FamilyDef = {
  name: 'mobilenet_v1',
  family: 'mobilenet',
  description: 'MobileNet v1 (Howard et al. 2017), keras.applications.MobileNet, alpha 0.25–1.0',
  defaultInputSize: 224,
  minInputSize: 32,
  alphas: [0.25, 0.5, 0.75, 1.0],
  defaultAlpha: 1.0,
  preprocess: TF_SPEC,
  blockNames: ['stem', 'stage1', 'stage2', 'stage3', 'stage4', 'stage5', 'head'],
  blockOf(name) {
    if (/^conv1(_|$)/.test(name)) return 'stem';
    const m = /^conv_(?:dw|pw|pad)_(\d+)/.exec(name);
    if (m) return `stage${STAGE_OF_BLOCK[Number(m[1])]}`;
    return 'head';
  },
  backbone(input, o) {
    let x = conv(input, { name: 'conv1', filters: Math.floor(32 * o.alpha), kernelSize: 3, strides: 2, padding: 'same', useBias: false });
    x = batchNorm(x, 'conv1_bn');
    x = relu6(x, 'conv1_relu');
    BLOCKS.forEach(([f, s], i) => {
      x = dwBlock(x, f, o.alpha, s, i + 1);
    });
    return x;
  },
  kerasTop(x, o) {
    const c = channels(x);
    x = globalAvgPool(x, 'global_average_pooling2d');
    x = tfl.layers.reshape({ name: 'reshape_1', targetShape: [1, 1, c] }).apply(x) as Sym;
    x = tfl.layers.dropout({ name: 'dropout', rate: o.dropout > 0 ? o.dropout : 1e-3 }).apply(x) as Sym;
    x = conv(x, { name: 'conv_preds', filters: o.numClasses, kernelSize: 1, padding: 'same' });
    x = tfl.layers.reshape({ name: 'reshape_2', targetShape: [o.numClasses] }).apply(x) as Sym;
    return tfl.layers.activation({ name: 'predictions', activation: 'softmax' }).apply(x) as Sym;
  },
  topLayerNames: ['global_average_pooling2d', 'reshape_1', 'dropout', 'conv_preds', 'reshape_2', 'predictions'],
  weightSources(o) {
    const a = pyFloat(o.alpha);
    const kerasAlpha = { 1: '1_0', 0.75: '7_5', 0.5: '5_0', 0.25: '2_5' }[o.alpha] ?? '1_0';
    // Weights trained at the model's own resolution first, then the 224 ones (same shapes; Keras' default).
    return weightRows(o, [128, 160, 192, 224]).flatMap((rows) => [
      localTfjs(`mobilenet_v1_${a}_${rows}_imagenet`, true, 'tfjs-weights-manifest', 'weights-only manifest (modelTopology null)'),
      localH5(`mobilenet_${kerasAlpha}_${rows}_tf.h5`, true),
      localH5(`mobilenet_${kerasAlpha}_${rows}_tf_no_top.h5`, false),
    ]);
  },
};
