/**
 * Identity shares the input's data (a reference count), as on the cpu backend; TF.js's wasm kernel copies it. Every
 * custom-gradient op (fused conv, BatchNorm) saves its inputs for the backward pass through Identity, so the copy
 * cost a full pass over every activation per step and doubled their memory. Tensor data is never written after
 * creation (variables get new data on assign), which is what makes sharing safe.
 */
import {
  Cast, type CastAttrs, type CastInputs, Identity, type IdentityInputs, type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { WasmBackend } from './wasm-heap.ts';
import { type Present, wasmKernel } from './wasm-kernel.ts';

function shared(backend: WasmBackend, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityConfig = wasmKernel<Present<IdentityInputs>, object>(Identity, 'wasm',
  ({ inputs: { x }, backend }, fallback) => x.dtype === 'string' ? fallback() : shared(backend, x));

/**
 * A Cast to the dtype a tensor already has likewise: TF.js's Identity gradient is cast(dy, 'float32'), one copy of
 * the gradient per residual block per step.
 */
export const castConfig = wasmKernel<Present<CastInputs>, CastAttrs>(Cast, 'wasm',
  ({ inputs: { x }, attrs, backend }, fallback) => x.dtype === 'string' || x.dtype !== attrs.dtype ? fallback() : shared(backend, x));
