/**
 * Convolutions on the oneDNN addon, in place in the wasm heap: the output is allocated by the wasm backend first
 * (which may grow — and so detach — the heap), then the heap's current ArrayBuffer and the tensors' byte offsets
 * go to the addon, which bounds-checks them and reads/writes there. NHWC activations, HWIO weights.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../native/onednn.ts';
import type { ConvGeometry } from './conv-geometry.ts';
import { alloc, type WasmBackend } from './wasm-heap.ts';

export type NativeEpilogue = 'linear' | 'relu' | 'relu6';
const ACT: Record<NativeEpilogue, 0 | 1 | 2> = { linear: 0, relu: 1, relu6: 2 };

/** The addon's geometry vector. */
export const geomVector = (g: ConvGeometry): number[] => [g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.kH,
  g.kW, g.strideH, g.strideW, g.dilationH, g.dilationW, g.padTop, g.padLeft, g.padBottom, g.padRight];

/** Byte offset of a tensor's data in the heap (unsigned: the heap reaches 4 GiB). */
export function byteOffset(backend: WasmBackend, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset >>> 0;
}

/** The heap as it is now; never keep it across an allocation. */
export const heap = (backend: WasmBackend) => backend.wasm.HEAPU8.buffer as ArrayBuffer;

/**
 * A key per weight tensor (TF.js dataId): tensors are immutable, so a reorder of the weights cached under this key
 * stays valid while the key exists; a new tensor (every optimizer step) gets a new key.
 */
const weightKeys = new WeakMap<object, number>();
let nextKey = 1;
function weightKey(t: TensorInfo): number {
  let k = weightKeys.get(t.dataId);
  if (k === undefined) {
    k = nextKey++;
    weightKeys.set(t.dataId, k);
  }
  return k;
}

/** Runs `call` on a freshly allocated output; frees the output if the addon throws. */
export function into(backend: WasmBackend, shape: number[], call: (out: TensorInfo) => void): TensorInfo {
  const out = alloc(backend, shape);
  try {
    call(out);
  } catch (e) {
    backend.disposeData(out.dataId);
    throw e;
  }
  return out;
}

export function conv2dForwardNative(addon: OneDnnAddon, backend: WasmBackend, x: TensorInfo, w: TensorInfo,
  bias: TensorInfo | null, act: NativeEpilogue, g: ConvGeometry): TensorInfo {
  return into(backend, [g.batch, g.outH, g.outW, g.outC], (y) => addon.convForward(heap(backend), byteOffset(backend, x),
    byteOffset(backend, w), bias ? byteOffset(backend, bias) : -1, byteOffset(backend, y), geomVector(g), ACT[act],
    weightKey(w)));
}

export function conv2dBackpropInputNative(addon: OneDnnAddon, backend: WasmBackend, dy: TensorInfo, w: TensorInfo,
  g: ConvGeometry): TensorInfo {
  return into(backend, [g.batch, g.inH, g.inW, g.inC], (dx) => addon.convBackwardData(heap(backend),
    byteOffset(backend, dy), byteOffset(backend, w), byteOffset(backend, dx), geomVector(g), weightKey(w)));
}

export function conv2dBackpropFilterNative(addon: OneDnnAddon, backend: WasmBackend, x: TensorInfo, dy: TensorInfo,
  g: ConvGeometry): TensorInfo {
  return into(backend, [g.kH, g.kW, g.inC, g.outC], (dw) => addon.convBackwardWeights(heap(backend),
    byteOffset(backend, x), byteOffset(backend, dy), byteOffset(backend, dw), geomVector(g)));
}
