import { backend_util, type Conv2DAttrs, type MaxPoolGradAttrs } from '@tensorflow/tfjs-core';

/** Everything a gradient kernel needs to know about one NHWC convolution (depthwise: outC = inC·multiplier). */
export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}

export function geometryFromConvInfo(info: backend_util.Conv2DInfo): ConvGeometry {
  if (info.dataFormat !== 'channelsLast') throw new Error(`wasm gradient kernels support NHWC only, got ${info.dataFormat}`);
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    dilationH: info.dilationHeight,
    dilationW: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    padBottom: info.padInfo.bottom,
    padRight: info.padInfo.right,
  };
}

/** Number of output pixels over the batch: the rows of the GEMM that a convolution is. */
export const outPixels = (g: ConvGeometry) => g.batch * g.outH * g.outW;

/** Multiply–adds ×2 of the forward convolution; each gradient does the same amount of arithmetic. */
export const convFlops = (g: ConvGeometry) => 2 * outPixels(g) * g.outC * g.inC * g.kH * g.kW;

/** A 1×1 convolution without padding: its im2col is the input itself (stride 1) or a subsample of it. */
export const isPointwise = (g: ConvGeometry) =>
  g.kH === 1 && g.kW === 1 && g.padTop === 0 && g.padLeft === 0;

/** The attributes of the conv kernels (tfjs-core's types): depthwise ones lack dataFormat, some lack dilations. */
export type ConvKernelAttrs = Pick<Conv2DAttrs, 'strides' | 'pad' | 'dimRoundingMode'> &
  Partial<Pick<Conv2DAttrs, 'dataFormat' | 'dilations'>>;

/** The geometry of a conv kernel's call (NHWC only; TF.js's defaults for a missing data format and dilation). */
export function convGeometry(xShape: number[], filterShape: number[], a: ConvKernelAttrs,
  depthwise: boolean): ConvGeometry {
  const format = backend_util.convertConv2DDataFormat(a.dataFormat ?? 'NHWC');
  return geometryFromConvInfo(backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, depthwise, format,
  ));
}

/** The attributes of the pooling gradients (MaxPoolGrad's; AvgPoolGrad's lack dimRoundingMode). */
export type PoolKernelAttrs = Pick<MaxPoolGradAttrs, 'filterSize' | 'strides' | 'pad' | 'dimRoundingMode'>;

/** A pooling gradient's geometry from the forward input's shape and the kernel's attributes. */
export function poolInfo(xShape: number[], a: PoolKernelAttrs): backend_util.Conv2DInfo {
  return backend_util.computePool2DInfo(xShape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad,
    a.dimRoundingMode);
}
