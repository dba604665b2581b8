/**
 * Concat, Slice and SplitV of 4-byte tensors on wasm as strided SIMD row copies (simd/heap-simd.ts); TF.js's wasm
 * kernels copy row by row (Concat) or element by element (Slice, SplitV) from JS. DenseNet concatenates at each of its
 * 58 dense layers and splits the gradient back; Slice is the gradient of every input padding. Copies, so the same bits
 * as the stock kernels, which keep the other dtypes.
 */
import {
  backend_util, Concat, Slice, slice_util, SplitV, util, type KernelFunc, type NamedAttrMap, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { replaceWasmKernel } from './replace-kernel.ts';
import { simdConcat, simdSlice, simdSplit } from './simd/heap-simd.ts';
import type { WasmBackend } from './wasm-heap.ts';

type Args<I> = { inputs: I; attrs: NamedAttrMap; backend: WasmBackend };
const fourBytes = (t: TensorInfo) => t.dtype === 'float32' || t.dtype === 'int32';

function fastConcat(): void {
  replaceWasmKernel(Concat, (stock) => ((args: Args<TensorInfo[]>): TensorInfo => {
    const inputs = args.inputs.filter((t) => util.sizeFromShape(t.shape) > 0);
    if (inputs.length < 2 || !inputs.every((t) => t.dtype === inputs[0].dtype && fourBytes(t))) return stock(args as never) as TensorInfo;
    const axis = util.parseAxisParam(args.attrs.axis as number | number[], inputs[0].shape)[0];
    backend_util.assertParamsConsistent(inputs.map((t) => t.shape), axis);
    return simdConcat(args.backend, inputs, axis);
  }) as unknown as KernelFunc);
}

function fastSlice(): void {
  replaceWasmKernel(Slice, (stock) => ((args: Args<{ x: TensorInfo }>): TensorInfo => {
    const { x } = args.inputs;
    const [begin, size] = slice_util.parseSliceParams(x, args.attrs.begin as number[], args.attrs.size as number[]);
    if (!fourBytes(x) || util.sizeFromShape(size) === 0 || slice_util.isSliceContinous(x.shape, begin, size)) return stock(args as never) as TensorInfo;
    return simdSlice(args.backend, x, begin, size);
  }) as unknown as KernelFunc);
}

function fastSplit(): void {
  replaceWasmKernel(SplitV, (stock) => ((args: Args<{ x: TensorInfo }>): TensorInfo[] => {
    const { x } = args.inputs;
    if (!fourBytes(x)) return stock(args as never) as TensorInfo[];
    const a = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number | number[] };
    const axis = util.parseAxisParam(a.axis, x.shape)[0];
    return simdSplit(args.backend, x, backend_util.prepareSplitSize(x, a.numOrSizeSplits, axis), axis);
  }) as unknown as KernelFunc);
}

export function registerCopyKernels(): void {
  fastConcat();
  fastSlice();
  fastSplit();
}
