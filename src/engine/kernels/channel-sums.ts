/**
 * Per-channel Σa and Σa·b over a [rows, C] float32 block of the wasm heap (float offsets), accumulated in float64:
 * BatchNorm's statistics and gradient sums, and the conv-bias gradient. With the oneDNN addon loaded they run
 * natively (native/src/channel_sums.cc: AVX-512, channels split over the threads, 2–4× the wasm SIMD loop), otherwise
 * in wasm SIMD (heap-simd.wat `sumsDots`). Both add each channel's rows in order in float64, so both give the same
 * bits.
 */
import type { OneDnnAddon } from '../native/onednn.ts';
import { simdSumsAndDots } from './simd/heap-simd.ts';
import type { WasmBackend } from './wasm-heap.ts';

let native: OneDnnAddon | null = null;

/** Called by initEngine: the addon when the accelerator is active, else null. */
export function setNativeChannelSums(addon: OneDnnAddon | null): void {
  native = addon;
}

const heap = (backend: WasmBackend) => backend.wasm.HEAPU8.buffer as ArrayBuffer;

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
