/**
 * Data movement for the gradient kernels, as plain loops over the wasm heap (offsets are in floats).
 * TF.js's own wasm transpose / strided-slice / reverse kernels run at 7–300 Melem/s; these loops move contiguous
 * channel runs and keep the strided side of every transpose inside a small tile.
 */
import type { ConvGeometry } from './conv-geometry.ts';

const TILE = 32;
const COL_BLOCK = 256;

/**
 * dst[c·rows + r] = src[r·cols + c]. Eight source rows at a time (eight contiguous writes per column) and columns in
 * blocks, so both sides stay in cache: ~0.9–1.3 Gelem/s here against ~0.25 for a plain tiled loop.
 */
export function transpose2d(h: Float32Array, src: number, dst: number, rows: number, cols: number): void {
  for (let c0 = 0; c0 < cols; c0 += COL_BLOCK) {
    const c1 = Math.min(cols, c0 + COL_BLOCK);
    let r = 0;
    for (; r + 8 <= rows; r += 8) {
      const s0 = src + r * cols;
      for (let c = c0; c < c1; c++) {
        const d = dst + c * rows + r;
        const s = s0 + c;
        h[d] = h[s];
        h[d + 1] = h[s + cols];
        h[d + 2] = h[s + 2 * cols];
        h[d + 3] = h[s + 3 * cols];
        h[d + 4] = h[s + 4 * cols];
        h[d + 5] = h[s + 5 * cols];
        h[d + 6] = h[s + 6 * cols];
        h[d + 7] = h[s + 7 * cols];
      }
    }
    for (; r < rows; r++) for (let c = c0; c < c1; c++) h[dst + c * rows + r] = h[src + r * cols + c];
  }
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
 * per-pixel index arithmetic. ~3× faster than gathering channel runs pixel by pixel (im2colTransposed) for a 3×3
 * convolution with 128 channels.
 */
export function im2colTransposedViaPlanes(h: Float32Array, x: number, colsT: number, planes: number, g: ConvGeometry): void {
  const { inH, inW, inC: C, kH, kW, outH, outW, strideH, strideW } = g;
  const P = g.batch * outH * outW;
  const planeSize = g.batch * inH * inW;
  transpose2d(h, x, planes, planeSize, C);
  const samePlane = strideH === 1 && strideW === 1 && outH === inH && outW === inW;
  for (let kh = 0; kh < kH; kh++) {
    for (let kw = 0; kw < kW; kw++) {
      const dw = kw * g.dilationW - g.padLeft;
      // Output columns whose input column is inside the image: [owLo, owHi).
      const owLo = Math.max(0, Math.ceil(-dw / strideW));
      const owHi = Math.min(outW, Math.floor((inW - 1 - dw) / strideW) + 1);
      for (let c = 0; c < C; c++) {
        let d = colsT + ((kh * kW + kw) * C + c) * P;
        if (samePlane) {
          shiftedPlaneCopy(h, planes + c * planeSize, d, g, kh * g.dilationH - g.padTop, dw, owLo, owHi);
          continue;
        }
        for (let n = 0; n < g.batch; n++) {
          for (let oh = 0; oh < outH; oh++, d += outW) {
            const ih = oh * strideH + kh * g.dilationH - g.padTop;
            if (ih < 0 || ih >= inH || owLo >= owHi) {
              h.fill(0, d, d + outW);
              continue;
            }
            const row = planes + c * planeSize + (n * inH + ih) * inW + dw;
            for (let ow = 0; ow < owLo; ow++) h[d + ow] = 0;
            if (strideW === 1) for (let ow = owLo; ow < owHi; ow++) h[d + ow] = h[row + ow];
            else for (let ow = owLo, s = row + owLo * strideW; ow < owHi; ow++, s += strideW) h[d + ow] = h[s];
            for (let ow = owHi; ow < outW; ow++) h[d + ow] = 0;
          }
        }
      }
    }
  }
}

/**
 * One row of colsT when the output grid is the input grid (stride 1, "same" size): the plane shifted by
 * (dh, dw) is one contiguous copy; the values it carries across image rows and images land exactly on the taps that
 * fall outside the image (rows with ih out of range, columns outside [owLo, owHi)), which are then zeroed.
 */
function shiftedPlaneCopy(
  h: Float32Array, plane: number, d: number, g: ConvGeometry, dh: number, dw: number, owLo: number, owHi: number,
): void {
  const { inH: H, inW: W } = g;
  const P = g.batch * H * W;
  const shift = dh * W + dw;
  const lo = Math.max(0, -shift);
  const hi = Math.min(P, P - shift);
  if (lo > 0) h.fill(0, d, d + lo);
  if (hi > lo) h.copyWithin(d + lo, plane + lo + shift, plane + hi + shift);
  if (hi < P) h.fill(0, d + Math.max(hi, lo), d + P);
  const ohLo = Math.max(0, -dh);
  const ohHi = Math.min(H, H - dh);
  for (let n = 0; n < g.batch; n++) {
    const img = d + n * H * W;
    for (let i = img, e = img + ohLo * W; i < e; i++) h[i] = 0;
    for (let i = img + Math.max(ohHi, 0) * W, e = img + H * W; i < e; i++) h[i] = 0;
    if (owLo === 0 && owHi === W) continue;
    for (let oh = ohLo; oh < ohHi; oh++) {
      const row = img + oh * W;
      for (let ow = 0; ow < owLo; ow++) h[row + ow] = 0;
      for (let ow = Math.max(owHi, 0); ow < W; ow++) h[row + ow] = 0;
    }
  }
}

/**
 * Transposed im2col in one pass: colsT[(kh, kw, c), p] = cols[p, (kh, kw, c)]. Eight output pixels at a time, so
 * each channel's eight values are written contiguously (the same trick as transpose2d).
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
export function flipAndSwapFilter(h: Float32Array, w: number, dst: number, kH: number, kW: number, C: number, OC: number): void {
  for (let kh = 0; kh < kH; kh++) {
    for (let kw = 0; kw < kW; kw++) {
      const src = w + ((kH - 1 - kh) * kW + (kW - 1 - kw)) * C * OC;
      transpose2d(h, src, dst + (kh * kW + kw) * OC * C, C, OC);
    }
  }
}
