/**
 * The one place where backbones create their convolution and BatchNormalization layers. Every family builds
 * through these helpers, so swapping the BatchNorm implementation (e.g. a faster training path) or the conv layer
 * class is a change here only.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { BatchNormalization } from './batch-norm-layer.ts';
import { ImageConv2D, readsImageOnly } from './image-conv-layer.ts';

export type Sym = tfl.SymbolicTensor;
type Padding = 'same' | 'valid';
type Activation = 'linear' | 'relu' | 'softmax';

export interface ConvArgs {
  name: string;
  filters: number;
  kernelSize: number;
  strides?: number;
  padding?: Padding;
  useBias?: boolean;
  activation?: Activation;
}

let zeroInit = false;

/**
 * Runs `fn` with every kernel created as zeros instead of its random initialiser: for counting parameters of
 * large models (VGG-19's top alone is 124M weights) without paying for random numbers. Never for training.
 */
export function withZeroInit<T>(fn: () => T): T {
  zeroInit = true;
  try {
    return fn();
  } finally {
    zeroInit = false;
  }
}

/** Seed of the next kernel initialiser while a model is built under withSeededInit (undefined: TF.js's own RNG). */
let nextKernelSeed: (() => number) | undefined;

/**
 * Runs `fn` with every kernel initialiser seeded from `seed` in creation order, so that a model built from random
 * weights (or a backbone's freshly initialised layers) is the same in every process for the same seed.
 */
export function withSeededInit<T>(seed: number, fn: () => T): T {
  let n = 0;
  const previous = nextKernelSeed;
  nextKernelSeed = () => (Math.imul(seed + 1, 2654435761) + n++ * 40503) >>> 0;
  try {
    return fn();
  } finally {
    nextKernelSeed = previous;
  }
}

function kernelInit(seed?: number): ReturnType<typeof tfl.initializers.zeros> {
  return zeroInit ? tfl.initializers.zeros() : tfl.initializers.glorotUniform({ seed: seed ?? nextKernelSeed?.() });
}

function apply(layer: tfl.layers.Layer, x: Sym | Sym[]): Sym {
  return layer.apply(x) as Sym;
}

/**
 * A standard 2-D convolution (Keras Conv2D: weights `kernel` [kh, kw, in, out] and optional `bias`). A conv that
 * reads the image itself uses ImageConv2D, which spares the train step the image's unused gradient.
 */
export function conv(x: Sym, a: ConvArgs): Sym {
  const args = {
    name: a.name,
    filters: a.filters,
    kernelSize: a.kernelSize,
    strides: a.strides ?? 1,
    padding: a.padding ?? 'valid',
    useBias: a.useBias ?? true,
    activation: a.activation ?? 'linear',
    kernelInitializer: kernelInit(),
  } as const;
  return apply(readsImageOnly(x) ? new ImageConv2D(args) : tfl.layers.conv2d(args), x);
}

/** A depthwise 3×3 convolution (Keras DepthwiseConv2D: weight `depthwise_kernel` [kh, kw, in, 1]). */
export function depthwiseConv(x: Sym, a: { name: string; kernelSize: number; strides?: number; padding?: Padding }): Sym {
  return apply(
    tfl.layers.depthwiseConv2d({
      name: a.name,
      kernelSize: a.kernelSize,
      strides: a.strides ?? 1,
      padding: a.padding ?? 'valid',
      depthMultiplier: 1,
      useBias: false,
      depthwiseInitializer: kernelInit(),
    }),
    x,
  );
}

/**
 * BatchNormalization over the channel axis (weights gamma, beta, moving_mean, moving_variance in Keras order).
 * Keras defaults: epsilon 1e-3, momentum 0.99.
 */
export function batchNorm(x: Sym, name: string, opts: { epsilon?: number; momentum?: number } = {}): Sym {
  return apply(new BatchNormalization({ name, axis: -1, epsilon: opts.epsilon ?? 1e-3, momentum: opts.momentum ?? 0.99 }), x);
}

export function relu(x: Sym, name: string): Sym {
  return apply(tfl.layers.activation({ name, activation: 'relu' }), x);
}

export function relu6(x: Sym, name: string): Sym {
  return apply(tfl.layers.reLU({ name, maxValue: 6 }), x);
}

export function zeroPad(x: Sym, name: string, pad: [[number, number], [number, number]]): Sym {
  return apply(tfl.layers.zeroPadding2d({ name, padding: pad }), x);
}

export function maxPool(x: Sym, name: string, size: number, strides: number, padding: Padding = 'valid'): Sym {
  return apply(tfl.layers.maxPooling2d({ name, poolSize: size, strides, padding }), x);
}

export function avgPool(x: Sym, name: string, size: number, strides: number): Sym {
  return apply(tfl.layers.averagePooling2d({ name, poolSize: size, strides, padding: 'valid' }), x);
}

export function globalAvgPool(x: Sym, name: string): Sym {
  return apply(tfl.layers.globalAveragePooling2d({ name }), x);
}

export function dense(x: Sym, name: string, units: number, activation: Activation, seed?: number): Sym {
  return apply(
    tfl.layers.dense({
      name,
      units,
      activation,
      kernelInitializer: kernelInit(seed),
    }),
    x,
  );
}

export function add(xs: Sym[], name: string): Sym {
  return apply(tfl.layers.add({ name }), xs);
}

export function concat(xs: Sym[], name: string): Sym {
  return apply(tfl.layers.concatenate({ name, axis: -1 }), xs);
}

export function channels(x: Sym): number {
  const c = x.shape[x.shape.length - 1];
  if (c == null) throw new Error(`layer output ${x.name} has no static channel count`);
  return c;
}

/**
 * Keras `imagenet_utils.correct_pad` for a 3×3 stride-2 conv with 'valid' padding: ((0,1),(0,1)) on even sizes,
 * ((1,1),(1,1)) on odd ones, so the output matches TF's 'same'.
 */
export function correctPad(x: Sym): [[number, number], [number, number]] {
  const h = x.shape[1] ?? 0;
  const w = x.shape[2] ?? 0;
  return [
    [h % 2, 1],
    [w % 2, 1],
  ];
}
