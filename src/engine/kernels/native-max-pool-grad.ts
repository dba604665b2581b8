/**
 * MaxPoolGrad on the oneDNN addon (native/src/max_pool_grad.cc): the same first-maximum rule and summation order as
 * the wasm kernel (max-pool-grad.ts), on all of the accelerator's threads, in place in the wasm heap.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../native/onednn.ts';
import type { ConvGeometry } from './conv-geometry.ts';
import { byteOffset, geomVector, heap, into } from './native-conv.ts';
import type { WasmBackend } from './wasm-heap.ts';

export function maxPoolGradNative(addon: OneDnnAddon, backend: WasmBackend, dy: TensorInfo, x: TensorInfo,
  g: ConvGeometry): TensorInfo {
  return into(backend, [g.batch, g.inH, g.inW, g.inC], (dx) => addon.maxPoolGrad(heap(backend), byteOffset(backend, x),
    byteOffset(backend, dy), byteOffset(backend, dx), geomVector(g)));
}
