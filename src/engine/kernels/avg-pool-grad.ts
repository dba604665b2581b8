/**
 * AvgPoolGrad on wasm as a JS loop over the heap with the channels innermost: the cpu backend's arithmetic (each dx
 * sums the dy of the windows that cover it in float64, in window order, then × 1/(filter area)), so its bits, and
 * faster than TF.js's wasm kernel on DenseNet-121's transition layers (figures:
 * docs/engine.md#measurements-behind-the-code).
 */
import { AvgPoolGrad, type AvgPoolGradAttrs, type AvgPoolGradInputs, type backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import { poolInfo } from './conv-geometry.ts';
import { alloc, f32, offsetOf, type WasmBackend } from './wasm-heap.ts';
import { type Present, wasmKernel } from './wasm-kernel.ts';

export function avgPoolGradWasm(backend: WasmBackend, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { effectiveFilterHeight, effectiveFilterWidth, dilationHeight, dilationWidth } = info;
  const padTop = effectiveFilterHeight - 1 - info.padInfo.top;
  const padLeft = effectiveFilterWidth - 1 - info.padInfo.left;
  const multiplier = 1 / (info.filterHeight * info.filterWidth);
  const dx = alloc(backend, [batchSize, inHeight, inWidth, C]);
  const h = f32(backend);
  const dyo = offsetOf(backend, dy);
  const dxo = offsetOf(backend, dx);
  const sources: number[] = []; // dy offsets of the windows covering one dx pixel, in the cpu backend's order
  const sum = new Float64Array(C);
  for (let b = 0; b < batchSize; b++) {
    for (let r = 0; r < inHeight; r++) {
      for (let c = 0; c < inWidth; c++) {
        sources.length = 0;
        for (let wR = 0; wR < effectiveFilterHeight; wR += dilationHeight) {
          const dyR = (r - padTop + wR) / strideHeight;
          if (dyR < 0 || dyR >= outHeight || Math.floor(dyR) !== dyR) continue;
          for (let wC = 0; wC < effectiveFilterWidth; wC += dilationWidth) {
            const dyC = (c - padLeft + wC) / strideWidth;
            if (dyC < 0 || dyC >= outWidth || Math.floor(dyC) !== dyC) continue;
            sources.push(dyo + ((b * outHeight + dyR) * outWidth + dyC) * C);
          }
        }
        const at = dxo + ((b * inHeight + r) * inWidth + c) * C;
        if (sources.length === 1) {
          // windows that do not overlap (DenseNet's 2×2 stride 2): 0 + v is v, so the same bits without the sum
          const s = sources[0];
          for (let d = 0; d < C; d++) h[at + d] = h[s + d] * multiplier;
          continue;
        }
        sum.fill(0);
        for (let k = 0; k < sources.length; k++) {
          const s = sources[k];
          for (let d = 0; d < C; d++) sum[d] += h[s + d];
        }
        for (let d = 0; d < C; d++) h[at + d] = sum[d] * multiplier;
      }
    }
  }
  return dx;
}

export const avgPoolGradConfig = wasmKernel<Present<AvgPoolGradInputs>, AvgPoolGradAttrs>(AvgPoolGrad, 'wasm',
  ({ inputs: { dy, input }, attrs, backend }) => {
    if (input.dtype !== 'float32') throw new Error(`AvgPoolGrad needs float32, got ${input.dtype}`);
    return avgPoolGradWasm(backend, dy, poolInfo(input.shape, attrs));
  });
