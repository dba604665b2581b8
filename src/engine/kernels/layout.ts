/**
 * Data movement for the gradient kernels over the wasm heap (offsets are in floats): transposes and shifted plane
 * copies in WebAssembly SIMD (simd/heap-simd.wat), the rest as JS loops that move contiguous channel runs. TF.js's own
 * wasm transpose / strided-slice / reverse kernels are far slower (figures:
 * docs/engine.md#measurements-behind-the-code).
 */
import type { ConvGeometry } from './conv-geometry.ts';
import { simdShiftedPlanes, simdTranspose } from './simd/heap-simd.ts';
import { f32, type WasmBackend } from './wasm-heap.ts';

const TILE = 32;

/** dst[c·rows + r] = src[r·cols + c], in WebAssembly SIMD (4×4 register transposes). */
export function transpose2d(backend: WasmBackend, src: number, dst: number, rows: number, cols: number): void {
  simdTranspose(backend, src, dst, rows, cols);
}

/**
 * im2col: cols[p, (kh, kw, c)] = x[n, oh·sH + kh·dH − padTop, ow·sW + kw·dW − padLeft, c], zero outside the image.
 * Rows are contiguous channel runs, copied with copyWithin.
 */
export function im2col(h: Float32Array, x: number, cols: number, g: ConvGeometry): void {
  const { inH, inW, inC: C, kH, kW } = g;
  const rowLen = kH * kW * C;
  let p = cols;
  for (let n = 0; n < g.batch; n++) {
    const xn = x + n * inH * inW * C;
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        let d = p;
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * g.strideH + kh * g.dilationH - g.padTop;
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * g.strideW + kw * g.dilationW - g.padLeft;
            if (ih < 0 || ih >= inH || iw < 0 || iw >= inW) h.fill(0, d, d + C);
            else {
              const s = xn + (ih * inW + iw) * C;
              if (C < 8) for (let c = 0; c < C; c++) h[d + c] = h[s + c];
              else h.copyWithin(d, s, s + C);
            }
            d += C;
          }
        }
        p += rowLen;
      }
    }
  }
}

/**
 * Transposed im2col through channel planes: x is first transposed into planes[c, (n, ih, iw)] (one pass over x), then
 * each row (kh, kw, c) of colsT is a walk along one plane — sequential writes and, at stride 1, sequential reads, no
 * per-pixel index arithmetic: faster than gathering channel runs pixel by pixel (im2colTransposed) on
 * wide 3×3 convolutions (figures: docs/engine.md#measurements-behind-the-code).
 */
export function im2colTransposedViaPlanes(backend: WasmBackend, x: number, colsT: number, planes: number, g: ConvGeometry): void {
  const { inH, inW, inC: C, kH, kW, outH, outW, strideH, strideW } = g;
  const P = g.batch * outH * outW;
  const planeSize = g.batch * inH * inW;
  transpose2d(backend, x, planes, planeSize, C);
  if (strideH === 1 && strideW === 1 && outH === inH && outW === inW) {
    simdShiftedPlanes(backend, planes, colsT, g);
    return;
  }
  const h = f32(backend);
  for (let kh = 0; kh < kH; kh++) {
    for (let kw = 0; kw < kW; kw++) {
      const dw = kw * g.dilationW - g.padLeft;
      // Output columns whose input column is inside the image: [owLo, owHi).
      const owLo = Math.max(0, Math.ceil(-dw / strideW));
      const owHi = Math.min(outW, Math.floor((inW - 1 - dw) / strideW) + 1);
      for (let c = 0; c < C; c++) {
        let d = colsT + ((kh * kW + kw) * C + c) * P;
        for (let n = 0; n < g.batch; n++) {
          for (let oh = 0; oh < outH; oh++, d += outW) {
            const ih = oh * strideH + kh * g.dilationH - g.padTop;
            if (ih < 0 || ih >= inH || owLo >= owHi) {
              h.fill(0, d, d + outW);
              continue;
            }
            const row = planes + c * planeSize + (n * inH + ih) * inW + dw;
            for (let ow = 0; ow < owLo; ow++) h[d + ow] = 0;
            for (let ow = owLo, s = row + owLo * strideW; ow < owHi; ow++, s += strideW) h[d + ow] = h[s];
            for (let ow = owHi; ow < outW; ow++) h[d + ow] = 0;
          }
        }
      }
    }
  }
}

/**
 * Transposed im2col in one pass: colsT[(kh, kw, c), p] = cols[p, (kh, kw, c)]. Eight output pixels at a time, so
 * each channel's eight values are written contiguously.
 */
export function im2colTransposed(h: Float32Array, x: number, colsT: number, g: ConvGeometry): void {
  const { inH, inW, inC: C, kH, kW, outH, outW } = g;
  const P = g.batch * outH * outW;
  const src = new Int32Array(8);
  for (let p0 = 0; p0 < P; p0 += 8) {
    const lanes = Math.min(8, P - p0);
    for (let kh = 0; kh < kH; kh++) {
      for (let kw = 0; kw < kW; kw++) {
        for (let l = 0; l < lanes; l++) {
          const p = p0 + l;
          const ow = p % outW;
          const t = (p - ow) / outW;
          const oh = t % outH;
          const n = (t - oh) / outH;
          const ih = oh * g.strideH + kh * g.dilationH - g.padTop;
          const iw = ow * g.strideW + kw * g.dilationW - g.padLeft;
          src[l] = ih < 0 || ih >= inH || iw < 0 || iw >= inW ? -1 : x + ((n * inH + ih) * inW + iw) * C;
        }
        const rowBase = colsT + (kh * kW + kw) * C * P + p0;
        if (lanes === 8 && src[0] >= 0 && src[1] >= 0 && src[2] >= 0 && src[3] >= 0 && src[4] >= 0 && src[5] >= 0 &&
          src[6] >= 0 && src[7] >= 0) {
          const s0 = src[0], s1 = src[1], s2 = src[2], s3 = src[3], s4 = src[4], s5 = src[5], s6 = src[6], s7 = src[7];
          for (let c = 0; c < C; c++) {
            const d = rowBase + c * P;
            h[d] = h[s0 + c];
            h[d + 1] = h[s1 + c];
            h[d + 2] = h[s2 + c];
            h[d + 3] = h[s3 + c];
            h[d + 4] = h[s4 + c];
            h[d + 5] = h[s5 + c];
            h[d + 6] = h[s6 + c];
            h[d + 7] = h[s7 + c];
          }
        } else {
          for (let l = 0; l < lanes; l++) {
            const s = src[l];
            for (let c = 0; c < C; c++) h[rowBase + c * P + l] = s < 0 ? 0 : h[s + c];
          }
        }
      }
    }
  }
}

/**
 * col2im, the adjoint of im2col: dx = 0, then dx[n, ih, iw, c] += cols[p, (kh, kw, c)] for every tap that reads it.
 */
export function col2im(h: Float32Array, cols: number, dx: number, g: ConvGeometry): void {
  const { inH, inW, inC: C, kH, kW } = g;
  h.fill(0, dx, dx + g.batch * inH * inW * C);
  let p = cols;
  for (let n = 0; n < g.batch; n++) {
    const xn = dx + n * inH * inW * C;
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        let s = p;
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * g.strideH + kh * g.dilationH - g.padTop;
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * g.strideW + kw * g.dilationW - g.padLeft;
            if (ih >= 0 && ih < inH && iw >= 0 && iw < inW) {
              const d = xn + (ih * inW + iw) * C;
              for (let c = 0; c < C; c++) h[d + c] += h[s + c];
            }
            s += C;
          }
        }
        p += kH * kW * C;
      }
    }
  }
}

/**
 * col2im from the transposed columns colsT[(kh, kw, c), p]: dx = 0, then the same accumulation as col2im.
 * Used when the GEMM produced the columns transposed (weights on the streamed side, see conv2d-backprop-input).
 */
export function col2imTransposed(h: Float32Array, colsT: number, dx: number, g: ConvGeometry): void {
  const { inH, inW, inC: C, kH, kW, outH, outW } = g;
  const P = g.batch * outH * outW;
  h.fill(0, dx, dx + g.batch * inH * inW * C);
  for (let p0 = 0; p0 < P; p0 += TILE) {
    const p1 = Math.min(p0 + TILE, P);
    for (let kh = 0; kh < kH; kh++) {
      for (let kw = 0; kw < kW; kw++) {
        const rowBase = colsT + (kh * kW + kw) * C * P;
        for (let p = p0; p < p1; p++) {
          const ow = p % outW;
          const t = (p - ow) / outW;
          const oh = t % outH;
          const n = (t - oh) / outH;
          const ih = oh * g.strideH + kh * g.dilationH - g.padTop;
          const iw = ow * g.strideW + kw * g.dilationW - g.padLeft;
          if (ih < 0 || ih >= inH || iw < 0 || iw >= inW) continue;
          const d = dx + ((n * inH + ih) * inW + iw) * C;
          let s = rowBase + p;
          for (let c = 0; c < C; c++, s += P) h[d + c] += h[s];
        }
      }
    }
  }
}

/** W'[kh, kw, oc, c] = W[kH−1−kh, kW−1−kw, c, oc]: the filter of the transposed convolution. */
export function flipAndSwapFilter(backend: WasmBackend, w: number, dst: number, kH: number, kW: number, C: number, OC: number): void {
  for (let kh = 0; kh < kH; kh++) {
    for (let kw = 0; kw < kW; kw++) {
      const src = w + ((kH - 1 - kh) * kW + (kW - 1 - kw)) * C * OC;
      transpose2d(backend, src, dst + (kh * kW + kw) * OC * C, C, OC);
    }
  }
}
