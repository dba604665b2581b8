/**
 * The per-channel passes over the wasm heap that BatchNorm, ReLU's gradient and the conv-bias gradient run on: with
 * the oneDNN addon loaded they run natively (native/src/channel_sums.cc and channel_passes.cc: AVX-512, split over
 * the threads), otherwise in wasm SIMD (simd/heap-simd.wat). Both do the same float operations in the same order, so
 * both give the same bits.
 *  - sums: Σ_r a[r, c] and Σ_r a[r, c]·b[r, c] over [rows, C] (float offsets), each channel's rows added in order in
 *    float64.
 *  - passes: y = x·A + B, dx = (dy·A + x·B) + K, dy·step(x), new tensors.
 * The native versions are faster than the wasm loops (figures: docs/engine.md#measurements-behind-the-code).
 */
import { util, type TensorInfo } from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../native/onednn.ts';
import { byteOffset, heap, into } from './native-conv.ts';
import { simdBatchNormBackward, simdChannelAffine, simdReluGrad, simdSumsAndDots } from './simd/heap-simd.ts';
import type { WasmBackend } from './wasm-heap.ts';

let native: OneDnnAddon | null = null;

/** Called by initEngine: the addon when the accelerator is active, else null. */
export function setNativeChannelOps(addon: OneDnnAddon | null): void {
  native = addon;
}

/** [Σ_r a[r, c], Σ_r a[r, c]·b[r, c]] per channel c. */
export function channelSumsAndDots(backend: WasmBackend, a: number, b: number, rows: number, C: number): [Float64Array, Float64Array] {
  if (!native) return simdSumsAndDots(backend, a, b, rows, C);
  const sum = new Float64Array(C);
  const dot = new Float64Array(C);
  native.channelSums(heap(backend), 4 * a, 4 * b, rows, C, sum, dot);
  return [sum, dot];
}

/** Σ_r a[r, c] per channel c. */
export function channelSums(backend: WasmBackend, a: number, rows: number, C: number): Float64Array {
  if (!native) return simdSumsAndDots(backend, a, a, rows, C)[0];
  const sum = new Float64Array(C);
  native.channelSums(heap(backend), 4 * a, 4 * a, rows, C, sum, null);
  return sum;
}

const rowsOf = (x: TensorInfo, C: number) => util.sizeFromShape(x.shape) / C;

/** x·A[c] + B[c] over the channels of a float32 tensor (BatchNorm's forward). */
export function channelAffine(backend: WasmBackend, x: TensorInfo, A: Float32Array, B: Float32Array): TensorInfo {
  if (!native) return simdChannelAffine(backend, x, A, B);
  const addon = native;
  return into(backend, x.shape, (out) => addon.channelAffine(heap(backend), byteOffset(backend, x),
    byteOffset(backend, out), rowsOf(x, A.length), A.length, A, B));
}

/** (dy·A[c] + x·B[c]) + K[c] for tensors dy and x of one shape (BatchNorm's input gradient). */
export function batchNormBackward(backend: WasmBackend, dy: TensorInfo, x: TensorInfo, A: Float32Array, B: Float32Array,
  K: Float32Array): TensorInfo {
  if (!native) return simdBatchNormBackward(backend, dy, x, A, B, K);
  const addon = native;
  return into(backend, x.shape, (out) => addon.batchNormBackward(heap(backend), byteOffset(backend, dy),
    byteOffset(backend, x), byteOffset(backend, out), rowsOf(x, A.length), A.length, A, B, K));
}

/** dy·step(x) for float32 tensors of one shape (ReLU's gradient). */
export function reluGrad(backend: WasmBackend, dy: TensorInfo, x: TensorInfo): TensorInfo {
  if (!native) return simdReluGrad(backend, dy, x);
  const addon = native;
  return into(backend, x.shape, (out) => addon.reluGrad(heap(backend), byteOffset(backend, dy), byteOffset(backend, x),
    byteOffset(backend, out), util.sizeFromShape(x.shape)));
}
