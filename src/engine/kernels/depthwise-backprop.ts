/**
 * Gradients of a depthwise NHWC convolution (filter [kH, kW, C, M], output channel c·M + m) on wasm.
 * Depthwise work is memory-bound (one multiply–add per loaded value), so direct loops over the heap with the
 * channel run innermost do as well as a GEMM would; accumulation is in float64 for the filter gradient.
 */
import {
  DepthwiseConv2dNativeBackpropFilter, type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropFilterInputs, DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs, type DepthwiseConv2dNativeBackpropInputInputs, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { type ConvGeometry, convGeometry } from './conv-geometry.ts';
import { alloc, f32, offsetOf, type WasmBackend } from './wasm-heap.ts';
import { type Present, wasmKernel } from './wasm-kernel.ts';

/** dW[kh, kw, c, m] = Σ_{n,oh,ow} x[n, ih, iw, c] · dy[n, oh, ow, c·M + m]. */
export function depthwiseBackpropFilterWasm(backend: WasmBackend, x: TensorInfo, dy: TensorInfo, g: ConvGeometry): TensorInfo {
  const C = g.inC;
  const M = g.outC / C;
  const acc = new Float64Array(g.kH * g.kW * C * M);
  const h = f32(backend);
  const xo = offsetOf(backend, x);
  const dyo = offsetOf(backend, dy);
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        const d = dyo + ((n * g.outH + oh) * g.outW + ow) * C * M;
        for (let kh = 0; kh < g.kH; kh++) {
          const ih = oh * g.strideH + kh * g.dilationH - g.padTop;
          if (ih < 0 || ih >= g.inH) continue;
          for (let kw = 0; kw < g.kW; kw++) {
            const iw = ow * g.strideW + kw * g.dilationW - g.padLeft;
            if (iw < 0 || iw >= g.inW) continue;
            const s = xo + ((n * g.inH + ih) * g.inW + iw) * C;
            const a = (kh * g.kW + kw) * C * M;
            if (M === 1) {
              for (let c = 0; c < C; c++) acc[a + c] += h[s + c] * h[d + c];
            } else {
              for (let c = 0; c < C; c++) {
                const xv = h[s + c];
                for (let m = 0; m < M; m++) acc[a + c * M + m] += xv * h[d + c * M + m];
              }
            }
          }
        }
      }
    }
  }
  const dw = alloc(backend, [g.kH, g.kW, C, M]);
  f32(backend).set(acc, offsetOf(backend, dw));
  return dw;
}

/** dx[n, ih, iw, c] = Σ over the taps that read it of dy[n, oh, ow, c·M + m] · W[kh, kw, c, m]. */
export function depthwiseBackpropInputWasm(backend: WasmBackend, dy: TensorInfo, w: TensorInfo, g: ConvGeometry): TensorInfo {
  const C = g.inC;
  const M = g.outC / C;
  const dx = alloc(backend, [g.batch, g.inH, g.inW, C]);
  const h = f32(backend);
  const dxo = offsetOf(backend, dx);
  const dyo = offsetOf(backend, dy);
  const wo = offsetOf(backend, w);
  h.fill(0, dxo, dxo + g.batch * g.inH * g.inW * C);
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        const d = dyo + ((n * g.outH + oh) * g.outW + ow) * C * M;
        for (let kh = 0; kh < g.kH; kh++) {
          const ih = oh * g.strideH + kh * g.dilationH - g.padTop;
          if (ih < 0 || ih >= g.inH) continue;
          for (let kw = 0; kw < g.kW; kw++) {
            const iw = ow * g.strideW + kw * g.dilationW - g.padLeft;
            if (iw < 0 || iw >= g.inW) continue;
            const t = dxo + ((n * g.inH + ih) * g.inW + iw) * C;
            const wk = wo + (kh * g.kW + kw) * C * M;
            if (M === 1) {
              for (let c = 0; c < C; c++) h[t + c] += h[d + c] * h[wk + c];
            } else {
              for (let c = 0; c < C; c++) {
                let s = 0;
                for (let m = 0; m < M; m++) s += h[d + c * M + m] * h[wk + c * M + m];
                h[t + c] += s;
              }
            }
          }
        }
      }
    }
  }
  return dx;
}

export const depthwiseBackpropFilterConfig = wasmKernel<Present<DepthwiseConv2dNativeBackpropFilterInputs>,
  DepthwiseConv2dNativeBackpropFilterAttrs>(DepthwiseConv2dNativeBackpropFilter, 'wasm',
  ({ inputs: { x, dy }, attrs, backend }) =>
    depthwiseBackpropFilterWasm(backend, x, dy, convGeometry(x.shape, attrs.filterShape, attrs, true)));

export const depthwiseBackpropInputConfig = wasmKernel<Present<DepthwiseConv2dNativeBackpropInputInputs>,
  DepthwiseConv2dNativeBackpropInputAttrs>(DepthwiseConv2dNativeBackpropInput, 'wasm',
  ({ inputs: { dy, filter }, attrs, backend }) =>
    depthwiseBackpropInputWasm(backend, dy, filter, convGeometry(attrs.inputShape, filter.shape, attrs, true)));
