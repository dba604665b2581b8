/**
 * Filter gradient of an NHWC convolution on wasm, as one XNNPACK GEMM over im2col columns:
 *   dW[(kh,kw,c), oc] = Σ_p cols[p, (kh,kw,c)] · dy[p, oc]        (p = output pixel over the batch)
 * XNNPACK's GEMM reduces over the inner axis of its first operand and packs its second (through TF.js far slower than a
 * JS transpose: docs/engine.md#measurements-behind-the-code), so one side is transposed in JS and the orientation that
 * packs the smaller operand wins:
 *   'colsT': dW   = colsᵀ · dy      — transposed im2col (P·K floats) in JS, XNNPACK packs dy (P·OC)
 *   'dyT'  : dWᵀ  = dyᵀ · cols      — transpose dy (P·OC), XNNPACK packs the columns (P·K), then transpose dWᵀ (K·OC)
 * Packing P·min(K, OC) floats is the floor of any XNNPACK formulation (the packed operand must hold the reduction
 * axis P); it is what keeps 1×1 convs with 64 in and out channels well below the forward's speed.
 */
import {
  Conv2DBackpropFilter, type Conv2DBackpropFilterAttrs, type Conv2DBackpropFilterInputs, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { type ConvGeometry, convGeometry, isPointwise, outPixels } from './conv-geometry.ts';
import { im2col, im2colTransposed, im2colTransposedViaPlanes, transpose2d } from './layout.ts';
import { alloc, f32, free, gemm, offsetOf, PACK_NS, type WasmBackend } from './wasm-heap.ts';
import { type Present, wasmKernel } from './wasm-kernel.ts';

export type FilterGradPath = 'colsT' | 'dyT';
/** A 1×1 stride-1 convolution without padding: its columns are x itself, so colsT is a plain transpose of x. */
const isDirect = (g: ConvGeometry) => isPointwise(g) && g.strideH === 1 && g.strideW === 1;

/**
 * Otherwise the transposed im2col walks channel planes (im2colTransposedViaPlanes) for inputs with few channels (the
 * RGB stem), and for stride-1 "same" convolutions on planes of at least 4×4 pixels, where each row of colsT is one
 * shifted copy of a plane (faster than gathering channel runs pixel by pixel; on smaller planes the
 * per-row zeroing dominates).
 */
function walksPlanes(g: ConvGeometry): boolean {
  const samePlane = g.strideH === 1 && g.strideW === 1 && g.outH === g.inH && g.outW === g.inW;
  return g.inC <= 4 || (samePlane && g.outH * g.outW >= 16);
}

/**
 * Estimated ns outside the GEMM, per float of each pass: a SIMD transpose, the plane walk, the gathering transposed
 * im2col, the dyT path's transposes, an im2col copy, and packing (PACK_NS); the constants are measured costs
 * (docs/engine.md#measurements-behind-the-code).
 */
export function chooseFilterGradPath(g: ConvGeometry): FilterGradPath {
  const P = outPixels(g);
  const K = g.kH * g.kW * g.inC;
  const im2colCost = isDirect(g) ? 0 : 0.7 * P * K;
  const colsT = (isDirect(g) ? 0.5 : walksPlanes(g) ? 0.8 : 1.2) * P * K + PACK_NS * P * g.outC;
  const dyT = im2colCost + P * g.outC + PACK_NS * P * K + K * g.outC;
  return colsT <= dyT ? 'colsT' : 'dyT';
}

export function conv2dBackpropFilterWasm(
  backend: WasmBackend, x: TensorInfo, dy: TensorInfo, g: ConvGeometry, path = chooseFilterGradPath(g),
): TensorInfo {
  const P = outPixels(g);
  const K = g.kH * g.kW * g.inC;
  const OC = g.outC;
  const temps: TensorInfo[] = [];

  let dw: TensorInfo;
  if (path === 'colsT') {
    const colsT = alloc(backend, [K, P]);
    temps.push(colsT);
    if (isDirect(g)) {
      transpose2d(backend, offsetOf(backend, x), offsetOf(backend, colsT), P, K);
    } else if (walksPlanes(g)) {
      const planes = alloc(backend, [g.batch * g.inH * g.inW * g.inC]);
      temps.push(planes);
      im2colTransposedViaPlanes(backend, offsetOf(backend, x), offsetOf(backend, colsT), offsetOf(backend, planes), g);
    } else {
      im2colTransposed(f32(backend), offsetOf(backend, x), offsetOf(backend, colsT), g);
    }
    dw = gemm(backend, colsT, dy, K, P, OC);
  } else {
    // Columns [P, K]: x itself for a 1×1 stride-1 convolution, otherwise im2col.
    let cols = x;
    if (!isDirect(g)) {
      cols = alloc(backend, [P, K]);
      temps.push(cols);
      im2col(f32(backend), offsetOf(backend, x), offsetOf(backend, cols), g);
    }
    const dyT = alloc(backend, [OC, P]);
    temps.push(dyT);
    transpose2d(backend, offsetOf(backend, dy), offsetOf(backend, dyT), P, OC);
    const dwT = gemm(backend, dyT, cols, OC, P, K);
    temps.push(dwT);
    dw = alloc(backend, [K, OC]);
    transpose2d(backend, offsetOf(backend, dwT), offsetOf(backend, dw), OC, K);
  }
  free(backend, ...temps);
  return { dataId: dw.dataId, shape: [g.kH, g.kW, g.inC, OC], dtype: 'float32' };
}

export const conv2dBackpropFilterConfig = wasmKernel<Present<Conv2DBackpropFilterInputs>, Conv2DBackpropFilterAttrs>(
  Conv2DBackpropFilter, 'wasm', ({ inputs: { x, dy }, attrs, backend }) =>
    conv2dBackpropFilterWasm(backend, x, dy, convGeometry(x.shape, attrs.filterShape, attrs, false)));
