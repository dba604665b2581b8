/**
 * Per-channel reductions over all leading axes of an NHWC tensor ([P, C] with P = N·H·W), as single passes over the
 * wasm heap with float64 accumulators. TF.js's wasm Sum/Mean transpose first for these axes (~150 Melem/s); these
 * run near memory speed. They serve the conv-bias gradient (Sum over N, H, W) and BatchNorm.
 */
import { Mean, Sum, util, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { replaceWasmKernel } from './replace-kernel.ts';
import { alloc, f32, offsetOf, type WasmBackend } from './wasm-heap.ts';

/** Σ_p x[p, c] for each c. Four rows per pass over the accumulators (half the time of one row at a time). */
export function channelSums(h: Float32Array, x: number, rows: number, C: number): Float64Array {
  const acc = new Float64Array(C);
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const o0 = x + r * C;
    const o1 = o0 + C;
    const o2 = o1 + C;
    const o3 = o2 + C;
    for (let c = 0; c < C; c++) acc[c] += h[o0 + c] + h[o1 + c] + (h[o2 + c] + h[o3 + c]);
  }
  for (; r < rows; r++) for (let c = 0; c < C; c++) acc[c] += h[x + r * C + c];
  return acc;
}

/** Σ_p a[p, c] and Σ_p a[p, c]·b[p, c] for each c, in one pass, four rows at a time. */
export function channelSumsAndDots(h: Float32Array, a: number, b: number, rows: number, C: number): [Float64Array, Float64Array] {
  const sum = new Float64Array(C);
  const dot = new Float64Array(C);
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const o0 = r * C;
    const o1 = o0 + C;
    const o2 = o1 + C;
    const o3 = o2 + C;
    for (let c = 0; c < C; c++) {
      const x0 = h[a + o0 + c];
      const x1 = h[a + o1 + c];
      const x2 = h[a + o2 + c];
      const x3 = h[a + o3 + c];
      sum[c] += x0 + x1 + (x2 + x3);
      dot[c] += x0 * h[b + o0 + c] + x1 * h[b + o1 + c] + (x2 * h[b + o2 + c] + x3 * h[b + o3 + c]);
    }
  }
  for (; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      const v = h[a + r * C + c];
      sum[c] += v;
      dot[c] += v * h[b + r * C + c];
    }
  }
  return [sum, dot];
}

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
    const sums = channelSums(f32(args.backend), offsetOf(args.backend, x), rows, C);
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
