/**
 * MaxPoolGrad on wasm. TF.js 4.22's own wasm kernel routes gradients to wrong positions whenever a window is padded
 * ('same') or windows do not overlap (2×2 stride 2), far from the cpu backend (test/engine/pool-gradients.test.ts shows
 * the cases; the errors: docs/engine.md#measurements-behind-the-code). Here each window's gradient goes to its first
 * maximum in scan order, as on the cpu backend and in TensorFlow.
 */
import { MaxPoolGrad, type MaxPoolGradAttrs, type MaxPoolGradInputs, type TensorInfo } from '@tensorflow/tfjs-core';
import { type ConvGeometry, geometryFromConvInfo, poolInfo } from './conv-geometry.ts';
import { alloc, f32, offsetOf, type WasmBackend } from './wasm-heap.ts';
import { type Present, wasmKernel } from './wasm-kernel.ts';

export function maxPoolGradWasm(backend: WasmBackend, dy: TensorInfo, x: TensorInfo, g: ConvGeometry): TensorInfo {
  const C = g.inC;
  const dx = alloc(backend, [g.batch, g.inH, g.inW, C]);
  const h = f32(backend);
  const xo = offsetOf(backend, x);
  const dyo = offsetOf(backend, dy);
  const dxo = offsetOf(backend, dx);
  h.fill(0, dxo, dxo + g.batch * g.inH * g.inW * C);
  const best = new Float32Array(C);
  const where = new Int32Array(C);
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        best.fill(-Infinity);
        where.fill(-1);
        for (let kh = 0; kh < g.kH; kh++) {
          const ih = oh * g.strideH + kh * g.dilationH - g.padTop;
          if (ih < 0 || ih >= g.inH) continue;
          for (let kw = 0; kw < g.kW; kw++) {
            const iw = ow * g.strideW + kw * g.dilationW - g.padLeft;
            if (iw < 0 || iw >= g.inW) continue;
            const pixel = ((n * g.inH + ih) * g.inW + iw) * C;
            for (let c = 0; c < C; c++) {
              const v = h[xo + pixel + c];
              if (v > best[c] || where[c] < 0) {
                best[c] = v;
                where[c] = pixel;
              }
            }
          }
        }
        const d = dyo + ((n * g.outH + oh) * g.outW + ow) * C;
        for (let c = 0; c < C; c++) if (where[c] >= 0) h[dxo + where[c] + c] += h[d + c];
      }
    }
  }
  return dx;
}

export const maxPoolGradConfig = wasmKernel<Present<MaxPoolGradInputs>, MaxPoolGradAttrs>(MaxPoolGrad, 'wasm',
  ({ inputs: { dy, input }, attrs, backend }) =>
    maxPoolGradWasm(backend, dy, input, geometryFromConvInfo(poolInfo(input.shape, attrs))));
