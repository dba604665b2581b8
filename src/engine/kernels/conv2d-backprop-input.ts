/**
 * Input gradient of an NHWC convolution on wasm. Three exact formulations; the cheapest for the shape is used:
 *   'conv'  : dx = conv(dy, flip(W)ᵀ) with stride 1 — the transposed convolution as a forward XNNPACK conv
 *             (stride-1 convolutions only; the flipped filter, K·OC floats, is built in JS and packed by XNNPACK).
 *   'gemmWT': dcols[P, K] = dy · Wᵀ, then col2im — XNNPACK packs Wᵀ (K·OC floats); any stride.
 *   'gemmW' : dcolsᵀ[K, P] = W · dyᵀ, then col2im from the transposed columns — the weights are the streamed
 *             operand and are never copied or packed, which wins when the weights outnumber the pixels
 *             (late stages at small input sizes); any stride.
 */
import {
  Conv2DBackpropInput, type Conv2DBackpropInputAttrs, type Conv2DBackpropInputInputs, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { type ConvGeometry, convGeometry, isPointwise, outPixels } from './conv-geometry.ts';
import { col2im, col2imTransposed, flipAndSwapFilter, transpose2d } from './layout.ts';
import { alloc, conv2d, f32, free, gemm, offsetOf, PACK_NS, type WasmBackend } from './wasm-heap.ts';
import { type Present, wasmKernel } from './wasm-kernel.ts';

export type InputGradPath = 'conv' | 'gemmWT' | 'gemmW';

function transposedConvPads(g: ConvGeometry) {
  const top = g.dilationH * (g.kH - 1) - g.padTop;
  const left = g.dilationW * (g.kW - 1) - g.padLeft;
  const bottom = g.inH - g.outH + g.padTop;
  const right = g.inW - g.outW + g.padLeft;
  return { top, left, bottom, right };
}

export function inputGradPaths(g: ConvGeometry): InputGradPath[] {
  const pads = transposedConvPads(g);
  const convOk = g.strideH === 1 && g.strideW === 1 && pads.top >= 0 && pads.left >= 0 && pads.bottom >= 0 && pads.right >= 0;
  return convOk ? ['conv', 'gemmWT', 'gemmW'] : ['gemmWT', 'gemmW'];
}

/**
 * Estimated ns outside the GEMM (see conv2d-backprop-filter), per float: JS passes, XNNPACK packing (PACK_NS), and
 * TF.js's conv filter preparation (its own HWIO→OHWI transpose, then packing); the constants are measured costs
 * (docs/engine.md#measurements-behind-the-code).
 */
export function chooseInputGradPath(g: ConvGeometry): InputGradPath {
  const P = outPixels(g);
  const K = g.kH * g.kW * g.inC;
  const direct = isPointwise(g) && g.strideH === 1 && g.strideW === 1;
  const cost: Record<InputGradPath, number> = {
    conv: 12 * K * g.outC,
    gemmWT: (1 + PACK_NS) * K * g.outC + (direct ? 0 : P * K),
    gemmW: (1 + PACK_NS) * P * g.outC + 2 * P * K,
  };
  return inputGradPaths(g).reduce((best, p) => (cost[p] < cost[best] ? p : best));
}

export function conv2dBackpropInputWasm(
  backend: WasmBackend, dy: TensorInfo, w: TensorInfo, g: ConvGeometry, path = chooseInputGradPath(g),
): TensorInfo {
  if (!inputGradPaths(g).includes(path)) throw new Error(`input-gradient path '${path}' does not apply to this shape`);
  const P = outPixels(g);
  const K = g.kH * g.kW * g.inC;
  const OC = g.outC;
  const xShape = [g.batch, g.inH, g.inW, g.inC];
  const temps: TensorInfo[] = [];
  let dx: TensorInfo;

  if (path === 'conv') {
    const wFlipped = alloc(backend, [g.kH, g.kW, OC, g.inC]);
    temps.push(wFlipped);
    flipAndSwapFilter(backend, offsetOf(backend, w), offsetOf(backend, wFlipped), g.kH, g.kW, g.inC, OC);
    const pads = transposedConvPads(g);
    dx = conv2d(backend, dy, wFlipped, {
      batch: g.batch, inH: g.outH, inW: g.outW, inC: OC, kH: g.kH, kW: g.kW, outC: g.inC,
      strideH: 1, strideW: 1, dilationH: g.dilationH, dilationW: g.dilationW,
      padTop: pads.top, padBottom: pads.bottom, padLeft: pads.left, padRight: pads.right,
    });
  } else if (path === 'gemmWT') {
    const wT = alloc(backend, [OC, K]);
    temps.push(wT);
    transpose2d(backend, offsetOf(backend, w), offsetOf(backend, wT), K, OC);
    const dcols = gemm(backend, dy, wT, P, OC, K);
    if (isPointwise(g) && g.strideH === 1 && g.strideW === 1) {
      dx = dcols;
    } else {
      temps.push(dcols);
      dx = alloc(backend, xShape);
      col2im(f32(backend), offsetOf(backend, dcols), offsetOf(backend, dx), g);
    }
  } else {
    const dyT = alloc(backend, [OC, P]);
    temps.push(dyT);
    transpose2d(backend, offsetOf(backend, dy), offsetOf(backend, dyT), P, OC);
    const dcolsT = gemm(backend, w, dyT, K, OC, P);
    temps.push(dcolsT);
    dx = alloc(backend, xShape);
    col2imTransposed(f32(backend), offsetOf(backend, dcolsT), offsetOf(backend, dx), g);
  }
  free(backend, ...temps);
  return { dataId: dx.dataId, shape: xShape, dtype: 'float32' };
}

export const conv2dBackpropInputConfig = wasmKernel<Present<Conv2DBackpropInputInputs>, Conv2DBackpropInputAttrs>(
  Conv2DBackpropInput, 'wasm', ({ inputs: { dy, filter }, attrs, backend }) =>
    conv2dBackpropInputWasm(backend, dy, filter, convGeometry(attrs.inputShape, filter.shape, attrs, false)));
