/**
 * Per-channel reductions over all leading axes of an NHWC tensor ([P, C] with P = N·H·W), as single passes over the
 * wasm heap with float64 accumulators (channel-ops.ts: native with the accelerator, else wasm SIMD), near memory speed;
 * TF.js's wasm Sum/Mean transpose first for these axes (figures: docs/engine.md#measurements-behind-the-code). They
 * serve the conv-bias gradient (Sum over N, H, W) and BatchNorm.
 */
import {
  Mean, type MeanAttrs, Sum, type SumAttrs, type SumInputs, util, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { channelSums } from './channel-ops.ts';
import { alloc, f32, offsetOf } from './wasm-heap.ts';
import { type Present, wasmKernel } from './wasm-kernel.ts';

/** True when `axes` are exactly the leading axes of a rank-≥2 float tensor (all but the last). */
function reducesLeadingAxes(x: TensorInfo, axis: number | number[]): boolean {
  const rank = x.shape.length;
  const axes = util.parseAxisParam(axis, x.shape).sort((a: number, b: number) => a - b);
  return x.dtype === 'float32' && rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
}

/** Sum or Mean: the per-channel reductions take the single pass, any other keeps TF.js's kernel. */
function channelReductionConfig(kernelName: typeof Sum | typeof Mean) {
  return wasmKernel<Present<SumInputs>, SumAttrs | MeanAttrs>(kernelName, 'wasm', (args, fallback) => {
    const { inputs: { x }, attrs, backend } = args;
    if (!reducesLeadingAxes(x, attrs.axis)) return fallback();
    const C = x.shape[x.shape.length - 1];
    const rows = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const xo = offsetOf(backend, x);
    const sums = channelSums(backend, xo, rows, C);
    const outShape = attrs.keepDims ? [...x.shape.slice(0, -1).map(() => 1), C] : [C];
    const out = alloc(backend, outShape);
    const h = f32(backend);
    const o = offsetOf(backend, out);
    const scale = kernelName === Mean ? 1 / rows : 1;
    for (let c = 0; c < C; c++) h[o + c] = sums[c] * scale;
    return out;
  });
}

export const sumConfig = channelReductionConfig(Sum);
export const meanConfig = channelReductionConfig(Mean);
