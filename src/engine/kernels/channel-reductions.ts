/**
 * Per-channel reductions over all leading axes of an NHWC tensor ([P, C] with P = N·H·W), as single passes over the
 * wasm heap with float64 accumulators (channel-ops.ts: native with the accelerator, else wasm SIMD). TF.js's wasm Sum/Mean transpose first for these axes
 * (~150 Melem/s); these run at ~0.4 ns per element, near memory speed. They serve the conv-bias gradient (Sum over
 * N, H, W) and BatchNorm.
 */
import { Mean, Sum, util, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { replaceWasmKernel } from './replace-kernel.ts';
import { channelSums } from './channel-ops.ts';
import { alloc, f32, offsetOf, type WasmBackend } from './wasm-heap.ts';

/** True when `axes` are exactly the leading axes of a rank-≥2 float tensor (all but the last). */
function reducesLeadingAxes(x: TensorInfo, axis: number | number[]): boolean {
  const rank = x.shape.length;
  const axes = util.parseAxisParam(axis, x.shape).sort((a: number, b: number) => a - b);
  return x.dtype === 'float32' && rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
}

type ReduceArgs = { inputs: { x: TensorInfo }; attrs: NamedAttrMap & { axis: number | number[]; keepDims: boolean }; backend: WasmBackend };

function fastReduction(kernelName: typeof Sum | typeof Mean): void {
  replaceWasmKernel(kernelName, (stock) => ((args: ReduceArgs): TensorInfo => {
    const { x } = args.inputs;
    if (!reducesLeadingAxes(x, args.attrs.axis)) return stock(args as never) as TensorInfo;
    const C = x.shape[x.shape.length - 1];
    const rows = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const xo = offsetOf(args.backend, x);
    const sums = channelSums(args.backend, xo, rows, C);
    const outShape = args.attrs.keepDims ? [...x.shape.slice(0, -1).map(() => 1), C] : [C];
    const out = alloc(args.backend, outShape);
    const h = f32(args.backend);
    const o = offsetOf(args.backend, out);
    const scale = kernelName === Mean ? 1 / rows : 1;
    for (let c = 0; c < C; c++) h[o + c] = sums[c] * scale;
    return out;
  }) as unknown as KernelFunc);
}

/** Replaces wasm Sum and Mean with versions that take the fast path for per-channel reductions. */
export function registerFastChannelReductions(): void {
  fastReduction(Sum);
  fastReduction(Mean);
}
