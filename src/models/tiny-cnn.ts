/**
 * A small CNN for fast tests of training code (not a Keras model; no pretrained weights): three 3×3 conv +
 * BatchNorm + ReLU stages (16, 32, 64 filters), 2×2 max pooling after the first two. It goes through the same
 * conv/BatchNorm helpers and head as the real backbones, so strategies and loaders can be tested on it in seconds.
 */
import { TF_SPEC } from '../data/preprocess-spec.ts';
import { UsageError } from '../errors.ts';
import { batchNorm, conv, maxPool, relu } from './layers.ts';
import type { FamilyDef } from './types.ts';

const STAGES: [string, number][] = [
  ['stem', 16],
  ['block1', 32],
  ['block2', 64],
];

export const tinyCnn: FamilyDef = {
  name: 'tiny_cnn',
  family: 'tiny',
  description: 'small 3-stage CNN for fast tests (random initialisation only)',
  defaultInputSize: 32,
  minInputSize: 8,
  preprocess: { ...TF_SPEC, inputSize: 32 },
  blockNames: ['stem', 'block1', 'block2', 'head'],
  blockOf(name) {
    const m = /^(stem|block1|block2)_/.exec(name);
    return m ? m[1] : 'head';
  },
  backbone(input) {
    let x = input;
    STAGES.forEach(([name, filters], i) => {
      x = conv(x, { name: `${name}_conv`, filters, kernelSize: 3, padding: 'same', useBias: false });
      x = batchNorm(x, `${name}_bn`);
      x = relu(x, `${name}_relu`);
      if (i < STAGES.length - 1) x = maxPool(x, `${name}_pool`, 2, 2);
    });
    return x;
  },
  topLayerNames: [],
  validate(o, weights) {
    if (o.includeTop) throw new UsageError('tiny_cnn has no Keras classifier top; use includeTop: false with numClasses');
    if (weights === 'imagenet') throw new UsageError('tiny_cnn has no ImageNet weights; use weights: null or a path to weights saved from it');
  },
  weightSources: () => [],
};
