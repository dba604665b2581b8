import { backend_util } from '@tensorflow/tfjs-core';

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
