/**
 * Concat, Slice and SplitV of 4-byte tensors on wasm as strided SIMD row copies (simd/heap-simd.ts); TF.js's wasm
 * kernels copy row by row (Concat) or element by element (Slice, SplitV) from JS. DenseNet concatenates at each of its
 * 58 dense layers and splits the gradient back; Slice is the gradient of every input padding. Copies, so the same bits
 * as the stock kernels, which keep the other dtypes.
 */
import {
  backend_util, Concat, type ConcatAttrs, type ConcatInputs, Slice, type SliceAttrs, type SliceInputs, slice_util, SplitV,
  type SplitVAttrs, type SplitVInputs, util, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { simdConcat, simdSlice, simdSplit } from './simd/heap-simd.ts';
import { type Present, wasmKernel } from './wasm-kernel.ts';

const fourBytes = (t: TensorInfo) => t.dtype === 'float32' || t.dtype === 'int32';

export const concatConfig = wasmKernel<ConcatInputs, ConcatAttrs>(Concat, 'wasm', (args, fallback) => {
  const inputs = args.inputs.filter((t) => util.sizeFromShape(t.shape) > 0);
  if (inputs.length < 2 || !inputs.every((t) => t.dtype === inputs[0].dtype && fourBytes(t))) return fallback();
  const axis = util.parseAxisParam(args.attrs.axis, inputs[0].shape)[0];
  backend_util.assertParamsConsistent(inputs.map((t) => t.shape), axis);
  return simdConcat(args.backend, inputs, axis);
});

export const sliceConfig = wasmKernel<Present<SliceInputs>, SliceAttrs>(Slice, 'wasm', (args, fallback) => {
  const { inputs: { x }, attrs, backend } = args;
  const [begin, size] = slice_util.parseSliceParams(x, attrs.begin, attrs.size);
  if (!fourBytes(x) || util.sizeFromShape(size) === 0 || slice_util.isSliceContinous(x.shape, begin, size)) {
    return fallback();
  }
  return simdSlice(backend, x, begin, size);
});

export const splitVConfig = wasmKernel<Present<SplitVInputs>, SplitVAttrs>(SplitV, 'wasm', (args, fallback) => {
  const { inputs: { x }, attrs, backend } = args;
  if (!fourBytes(x)) return fallback();
  const axis = util.parseAxisParam(attrs.axis, x.shape)[0];
  return simdSplit(backend, x, backend_util.prepareSplitSize(x, attrs.numOrSizeSplits, axis), axis);
});
