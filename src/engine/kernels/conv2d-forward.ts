/**
 * Forward convolution on wasm when the filter is new. Stock TF.js hands every filter it has not seen to XNNPACK,
 * which re-orders (HWIO→OHWI) and packs it, paid on every training step because the optimizer gives each weight a
 * new tensor; for late ResNet stages at small inputs that costs more than the convolution itself (figures:
 * docs/engine.md#measurements-behind-the-code). Two GEMM formulations avoid most of it:
 *   'gemm'  : y = cols · W            — XNNPACK packs W through its GEMM (PACK_NS per weight, no re-order)
 *   'gemmT' : yᵀ = Wᵀ · colsᵀ, then transpose — W is streamed, only the columns are packed (P·K floats):
 *             wins whenever the weights outnumber the output pixels.
 * A filter seen before (inference over many batches) goes to stock XNNPACK, whose packed copy is then reused.
 * Bias and linear/relu/relu6 activations are applied in one JS pass on the GEMM paths.
 */
import {
  Conv2D, type Conv2DAttrs, FusedConv2D, type FusedConv2DAttrs, type FusedConv2DInputs, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { type ConvGeometry, convGeometry, isPointwise, outPixels } from './conv-geometry.ts';
import { im2col, im2colTransposed, transpose2d } from './layout.ts';
import { alloc, f32, free, gemm, offsetOf, PACK_NS, type WasmBackend } from './wasm-heap.ts';
import { wasmKernel } from './wasm-kernel.ts';

export type ForwardPath = 'xnnpack' | 'gemm' | 'gemmT';
export type Epilogue = 'linear' | 'relu' | 'relu6';

/** Conv2D's and FusedConv2D's attributes (Conv2D has no activation). */
export type ForwardConvAttrs = Conv2DAttrs & Partial<Pick<FusedConv2DAttrs, 'activation'>>;

/**
 * The epilogue of a forward conv when one pass after the GEMM can apply it: NHWC, no PReLU, a linear/relu/relu6
 * activation and a rank-1 bias or none; else null (the call keeps the kernel below). The oneDNN kernels add their
 * own conditions (native-kernels.ts).
 */
export function fusableEpilogue(inputs: FusedConv2DInputs, attrs: ForwardConvAttrs): Epilogue | null {
  const act = attrs.activation ?? 'linear';
  const fusable = (act === 'linear' || act === 'relu' || act === 'relu6') && !inputs.preluActivationWeights &&
    (attrs.dataFormat ?? 'NHWC') === 'NHWC' && (!inputs.bias || inputs.bias.shape.length === 1);
  return fusable ? act : null;
}

/** Estimated ns of work outside the multiply-adds, per path, for a filter XNNPACK has not packed yet. */
export function chooseForwardPath(g: ConvGeometry): ForwardPath {
  const P = outPixels(g);
  const K = g.kH * g.kW * g.inC;
  const direct = isPointwise(g) && g.strideH === 1 && g.strideW === 1;
  const cost: Record<ForwardPath, number> = {
    xnnpack: 11 * K * g.outC,
    gemm: PACK_NS * K * g.outC + (direct ? 0 : 0.7 * P * K) + P * g.outC,
    gemmT: K * g.outC + (1.2 + PACK_NS) * P * K + 2 * P * g.outC,
  };
  return (Object.keys(cost) as ForwardPath[]).reduce((best, p) => (cost[p] < cost[best] ? p : best));
}

/** In place: v = act(v + bias[c]) over a [P, C] block. */
function applyEpilogue(h: Float32Array, y: number, P: number, C: number, bias: number, act: Epilogue): void {
  if (bias < 0 && act === 'linear') return;
  for (let p = 0, o = y; p < P; p++, o += C) {
    for (let c = 0; c < C; c++) {
      let v = h[o + c] + (bias >= 0 ? h[bias + c] : 0);
      if (act !== 'linear' && v < 0) v = 0;
      if (act === 'relu6' && v > 6) v = 6;
      h[o + c] = v;
    }
  }
}

export function conv2dForwardGemm(
  backend: WasmBackend, x: TensorInfo, w: TensorInfo, bias: TensorInfo | null, act: Epilogue, g: ConvGeometry,
  path: Exclude<ForwardPath, 'xnnpack'>,
): TensorInfo {
  const P = outPixels(g);
  const K = g.kH * g.kW * g.inC;
  const OC = g.outC;
  const direct = isPointwise(g) && g.strideH === 1 && g.strideW === 1;
  const temps: TensorInfo[] = [];
  let y: TensorInfo;
  if (path === 'gemm') {
    let cols = x;
    if (!direct) {
      cols = alloc(backend, [P, K]);
      temps.push(cols);
      im2col(f32(backend), offsetOf(backend, x), offsetOf(backend, cols), g);
    }
    y = gemm(backend, cols, w, P, K, OC);
  } else {
    const wT = alloc(backend, [OC, K]);
    const colsT = alloc(backend, [K, P]);
    temps.push(wT, colsT);
    const h = f32(backend);
    transpose2d(backend, offsetOf(backend, w), offsetOf(backend, wT), K, OC);
    if (direct) transpose2d(backend, offsetOf(backend, x), offsetOf(backend, colsT), P, K);
    else im2colTransposed(h, offsetOf(backend, x), offsetOf(backend, colsT), g);
    const yT = gemm(backend, wT, colsT, OC, K, P);
    temps.push(yT);
    y = alloc(backend, [P, OC]);
    transpose2d(backend, offsetOf(backend, yT), offsetOf(backend, y), OC, P);
  }
  applyEpilogue(f32(backend), offsetOf(backend, y), P, OC, bias ? offsetOf(backend, bias) : -1, act);
  free(backend, ...temps);
  return { dataId: y.dataId, shape: [g.batch, g.outH, g.outW, OC], dtype: 'float32' };
}

/** Filters XNNPACK has already packed (the stock kernel has seen them): reusing its packed copy beats any GEMM. */
const seenFilters = new WeakSet<object>();

/** Conv2D and FusedConv2D: a filter not seen before takes a GEMM formulation when that is cheaper than packing. */
function forwardConvConfig(kernelName: typeof Conv2D | typeof FusedConv2D) {
  return wasmKernel<FusedConv2DInputs, ForwardConvAttrs>(kernelName, 'wasm', ({ inputs, attrs, backend }, fallback) => {
    const { x, filter } = inputs;
    const act = fusableEpilogue(inputs, attrs);
    const isNew = !seenFilters.has(filter.dataId);
    seenFilters.add(filter.dataId);
    if (act && isNew) {
      const g = convGeometry(x.shape, filter.shape, attrs, false);
      const path = chooseForwardPath(g);
      if (path !== 'xnnpack') return conv2dForwardGemm(backend, x, filter, inputs.bias ?? null, act, g, path);
    }
    return fallback();
  });
}

export const conv2dConfig = forwardConvConfig(Conv2D);
export const fusedConv2dConfig = forwardConvConfig(FusedConv2D);
