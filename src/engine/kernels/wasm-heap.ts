/**
 * Direct access to the wasm backend's heap and to two of its XNNPACK entry points (GEMM and convolution).
 * The gradient kernels use this to move data with plain JS loops over the heap (far faster than TF.js's
 * wasm transpose/slice kernels) and to call XNNPACK without going through the TF.js engine.
 *
 * Rule: a Float32Array view of the heap is invalidated whenever wasm memory grows (any allocation may grow it),
 * so take views with `f32()` only after the allocations of a step are done.
 */
import type { DataType, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';

interface WasmModule {
  HEAPF32: Float32Array;
  HEAPU8: Uint8Array;
  cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
}
interface TensorData {
  id: number;
  memoryOffset: number;
}
export interface WasmBackend {
  wasm: WasmModule;
  dataIdMap: { get(dataId: object): TensorData };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
}

/** The wasm backend as medft's kernels see it (TF.js types it as a plain KernelBackend). */
export const asWasmBackend = (backend: KernelBackend) => backend as unknown as WasmBackend;

export interface ConvCall {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  kH: number;
  kW: number;
  outC: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
}

type WasmConv2D = (...args: number[]) => void;
type WasmMatMul = (aId: number, aShape: Uint8Array, aRank: number, bId: number, bShape: Uint8Array, bRank: number,
  transposeA: boolean, transposeB: boolean, outId: number) => void;

const entryPoints = new WeakMap<WasmModule, { conv2d: WasmConv2D; matMul: WasmMatMul }>();

function calls(backend: WasmBackend) {
  let fns = entryPoints.get(backend.wasm);
  if (!fns) {
    fns = {
      conv2d: backend.wasm.cwrap('Conv2D', null, Array(19).fill('number')) as unknown as WasmConv2D,
      matMul: backend.wasm.cwrap('BatchMatMul', null,
        ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']) as unknown as WasmMatMul,
    };
    entryPoints.set(backend.wasm, fns);
  }
  return fns;
}

export function idOf(backend: WasmBackend, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).id;
}

/** Index (in floats) of the tensor's first element in the heap. */
export function offsetOf(backend: WasmBackend, t: TensorInfo): number {
  // unsigned shift: heap offsets reach 4 GiB, past the int32 range of >>
  return backend.dataIdMap.get(t.dataId).memoryOffset >>> 2;
}

export function f32(backend: WasmBackend): Float32Array {
  return backend.wasm.HEAPF32;
}

export function alloc(backend: WasmBackend, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

export function free(backend: WasmBackend, ...tensors: TensorInfo[]): void {
  for (const t of tensors) backend.disposeData(t.dataId);
}

const shapeBytes = (shape: number[]) => new Uint8Array(new Int32Array(shape).buffer);

/**
 * What gemm() pays per float of `b` to pack it, in ns, whatever the shape (measured:
 * docs/engine.md#measurements-behind-the-code); the gradient and forward kernels weigh their formulations with it.
 */
export const PACK_NS = 7.5;

/** out[M,N] = a[M,K] · b[K,N] on XNNPACK. b is packed by XNNPACK (a cost ∝ K·N), a is streamed as it is. */
export function gemm(backend: WasmBackend, a: TensorInfo, b: TensorInfo, m: number, k: number, n: number): TensorInfo {
  const out = alloc(backend, [m, n]);
  calls(backend).matMul(idOf(backend, a), shapeBytes([1, m, k]), 3, idOf(backend, b), shapeBytes([1, k, n]), 3,
    false, false, idOf(backend, out));
  return out;
}

/** NHWC convolution with an HWIO filter and explicit padding, on XNNPACK. */
export function conv2d(backend: WasmBackend, x: TensorInfo, filter: TensorInfo, c: ConvCall): TensorInfo {
  const outH = Math.floor((c.inH + c.padTop + c.padBottom - c.dilationH * (c.kH - 1) - 1) / c.strideH) + 1;
  const outW = Math.floor((c.inW + c.padLeft + c.padRight - c.dilationW * (c.kW - 1) - 1) / c.strideW) + 1;
  const out = alloc(backend, [c.batch, outH, outW, c.outC]);
  calls(backend).conv2d(idOf(backend, x), c.batch, c.inH, c.inW, idOf(backend, filter), c.kH, c.kW,
    c.padTop, c.padRight, c.padBottom, c.padLeft, 0, c.dilationH, c.dilationW, c.strideH, c.strideW,
    c.inC, c.outC, idOf(backend, out));
  return out;
}
