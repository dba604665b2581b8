/**
 * heap-simd.wat instantiated on the wasm backend's own memory: SIMD loops that read and write tensors in place.
 * One instance per backend module; the imported memory is the backend's, so heap growth is seen without re-linking.
 */
import { backend_util, util, type TensorInfo } from '@tensorflow/tfjs-core';
import type { ConvGeometry } from '../conv-geometry.ts';
import { alloc, free, type WasmBackend } from '../wasm-heap.ts';
import { HEAP_SIMD_BASE64 } from './heap-simd-bytes.ts';

interface HeapSimd {
  sumsDots(a: number, b: number, rows: number, C: number, sum: number, dot: number): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  adam(out: number, w: number, g: number, m: number, v: number, n: number, beta1: number, beta2: number, a: number,
    b: number, stepScale: number, invC2: number, eps: number, decay: number): void;
  bnBackward(dy: number, x: number, out: number, rows: number, C: number, A: number, B: number, K: number): void;
  affine(x: number, out: number, rows: number, C: number, A: number, B: number): void;
  reluGrad(dy: number, x: number, out: number, n: number): void;
  addInto(dst: number, src: number, n: number): void;
  copyRows(src: number, srcStride: number, dst: number, dstStride: number, rows: number, len: number): void;
  shiftedPlanes(planes: number, colsT: number, batch: number, H: number, W: number, C: number, kH: number, kW: number,
    dilH: number, dilW: number, padTop: number, padLeft: number): void;
}

let compiled: WebAssembly.Module | null = null;
const instances = new WeakMap<object, HeapSimd>();

function heapSimd(backend: WasmBackend): HeapSimd {
  let inst = instances.get(backend.wasm);
  if (!inst) {
    compiled ??= new WebAssembly.Module(Buffer.from(HEAP_SIMD_BASE64, 'base64'));
    const memory = (backend.wasm as unknown as { asm: { memory: WebAssembly.Memory } }).asm.memory;
    inst = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as HeapSimd;
    instances.set(backend.wasm, inst);
  }
  return inst;
}

const byteOffset = (backend: WasmBackend, t: TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset >>> 0;

/**
 * Σ_p a[p, c] and Σ_p a[p, c]·b[p, c] for each channel of [rows, C] blocks at float offsets a and b, accumulated in
 * float64 (faster than the JS loop it replaced: docs/engine.md#measurements-behind-the-code).
 */
export function simdSumsAndDots(backend: WasmBackend, a: number, b: number, rows: number, C: number): [Float64Array, Float64Array] {
  const acc = alloc(backend, [4 * C]); // 2·C float64
  const base = byteOffset(backend, acc);
  heapSimd(backend).sumsDots(4 * a, 4 * b, rows, C, base, base + 8 * C);
  const buffer = (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer;
  const sum = new Float64Array(buffer.slice(base, base + 8 * C));
  const dot = new Float64Array(buffer.slice(base + 8 * C, base + 16 * C));
  free(backend, acc);
  return [sum, dot];
}

/** dst[c·rows + r] = src[r·cols + c] at float offsets (faster than the JS tiled loop it replaced). */
export function simdTranspose(backend: WasmBackend, src: number, dst: number, rows: number, cols: number): void {
  heapSimd(backend).transpose(4 * src, 4 * dst, rows, cols);
}

/**
 * colsT[(kh, kw, c), p] from channel planes[c, p] for a stride-1 convolution whose output grid is its input grid
 * (float offsets): one shifted copy per row of colsT, then the taps outside the image zeroed.
 */
export function simdShiftedPlanes(backend: WasmBackend, planes: number, colsT: number, g: ConvGeometry): void {
  heapSimd(backend).shiftedPlanes(4 * planes, 4 * colsT, g.batch, g.inH, g.inW, g.inC, g.kH, g.kW, g.dilationH,
    g.dilationW, g.padTop, g.padLeft);
}

export interface AdamArgs {
  beta1: number;
  beta2: number;
  /** lr / (1 − β1^t): the bias-corrected step. */
  stepScale: number;
  /** 1 / (1 − β2^t). */
  invC2: number;
  epsilon: number;
  /** lr × weight decay (AdamW's decoupled decay; 0 for Adam). */
  decay: number;
}

/**
 * The Adam update of optimizer-update.ts in SIMD (float64, the same operations, so the same bits) when out, w and g
 * are views of this backend's heap; the moments (plain arrays, kept off the heap) are copied in and out around it.
 * Returns false, doing nothing, when the arrays are not heap views.
 */
export function simdAdam(
  backend: WasmBackend, out: Float32Array, w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, c: AdamArgs,
): boolean {
  const heap = (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer;
  if (out.buffer !== heap || w.buffer !== heap || g.buffer !== heap) return false;
  const n = out.length;
  const [o, wo, go] = [out.byteOffset, w.byteOffset, g.byteOffset]; // before the allocation below detaches the views
  const moments = alloc(backend, [2 * n]);
  const mo = byteOffset(backend, moments);
  const f = (backend.wasm as unknown as { HEAPF32: Float32Array }).HEAPF32;
  f.set(m, mo >>> 2);
  f.set(v, (mo >>> 2) + n);
  heapSimd(backend).adam(o, wo, go, mo, mo + 4 * n, n, c.beta1, c.beta2, 1 - c.beta1, 1 - c.beta2, c.stepScale, c.invC2,
    c.epsilon, c.decay);
  m.set(f.subarray(mo >>> 2, (mo >>> 2) + n));
  v.set(f.subarray((mo >>> 2) + n, (mo >>> 2) + 2 * n));
  free(backend, moments);
  return true;
}

/**
 * A new tensor shaped like x from `pass(out, rows, C, vectors)`: a per-channel pass over [rows, C] blocks whose
 * channel vectors (C floats each) are copied onto the heap first; `vectors` are their byte offsets, in order.
 */
function channelPass(backend: WasmBackend, x: TensorInfo, vectors: Float32Array[],
  pass: (out: number, rows: number, C: number, vectors: number[]) => void): TensorInfo {
  const C = vectors[0].length;
  const rows = util.sizeFromShape(x.shape) / C;
  const out = alloc(backend, x.shape);
  const block = alloc(backend, [vectors.length * C]);
  const at = vectors.map((_, i) => byteOffset(backend, block) + 4 * C * i);
  const f = (backend.wasm as unknown as { HEAPF32: Float32Array }).HEAPF32; // after the allocations, which may grow the heap
  vectors.forEach((v, i) => f.set(v, at[i] >>> 2));
  pass(byteOffset(backend, out), rows, C, at);
  free(backend, block);
  return out;
}

/**
 * out[p, c] = (dy[p, c]·A[c] + x[p, c]·B[c]) + K[c] for [rows, C] tensors dy and x: BatchNorm's input gradient in one
 * pass instead of four TF.js broadcast ops (the same float32 operations in the same order, so the same bits).
 */
export function simdBatchNormBackward(
  backend: WasmBackend, dy: TensorInfo, x: TensorInfo, A: Float32Array, B: Float32Array, K: Float32Array,
): TensorInfo {
  return channelPass(backend, x, [A, B, K], (out, rows, C, [a, b, k]) =>
    heapSimd(backend).bnBackward(byteOffset(backend, dy), byteOffset(backend, x), out, rows, C, a, b, k));
}

/** x·A[c] + B[c] over the channels of a float32 tensor (BatchNorm's forward): TF.js's mul then add, in one pass. */
export function simdChannelAffine(backend: WasmBackend, x: TensorInfo, A: Float32Array, B: Float32Array): TensorInfo {
  return channelPass(backend, x, [A, B], (out, rows, C, [a, b]) =>
    heapSimd(backend).affine(byteOffset(backend, x), out, rows, C, a, b));
}

/** dy·step(x) for float32 tensors of one shape: ReLU's gradient in one pass instead of TF.js's step, cast and mul. */
export function simdReluGrad(backend: WasmBackend, dy: TensorInfo, x: TensorInfo): TensorInfo {
  const out = alloc(backend, x.shape);
  heapSimd(backend).reluGrad(byteOffset(backend, dy), byteOffset(backend, x), byteOffset(backend, out),
    util.sizeFromShape(x.shape));
  return out;
}

/** dst += src, element-wise, for two float32 views of the backend's heap of one length (e.g. from floatsOf). */
export function simdAddInto(backend: WasmBackend, dst: Float32Array, src: Float32Array): void {
  const heap = backend.wasm.HEAPF32.buffer;
  if (dst.buffer !== heap || src.buffer !== heap || dst.length !== src.length) throw new Error('simdAddInto needs two heap views of one length');
  heapSimd(backend).addInto(dst.byteOffset, src.byteOffset, dst.length);
}

/**
 * Concat of 4-byte tensors along any axis: each input is rows of a fixed length, copied into the output's rows at a
 * fixed stride with 16-byte SIMD moves (TF.js's wasm Concat copies row by row from JS, a large cost for DenseNet's
 * 58 channel concatenations: docs/engine.md#measurements-behind-the-code).
 */
export function simdConcat(backend: WasmBackend, inputs: TensorInfo[], axis: number): TensorInfo {
  const outShape = backend_util.computeOutShape(inputs.map((t) => t.shape), axis);
  const out = backend.makeOutput(outShape, inputs[0].dtype);
  const outer = util.sizeFromShape(outShape.slice(0, axis));
  const rowBytes = 4 * util.sizeFromShape(outShape.slice(axis));
  let at = 0;
  for (const t of inputs) {
    const len = 4 * util.sizeFromShape(t.shape.slice(axis));
    heapSimd(backend).copyRows(byteOffset(backend, t), len, byteOffset(backend, out) + at, rowBytes, outer, len);
    at += len;
  }
  return out;
}

/**
 * Slice of a 4-byte tensor: runs along the last axis, copied with 16-byte SIMD moves, one call per index of the axes
 * before the last two (TF.js's wasm Slice copies element by element in JS, a large cost for the gradient of ResNet's
 * and DenseNet's input padding: docs/engine.md#measurements-behind-the-code).
 */
export function simdSlice(backend: WasmBackend, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const rank = x.shape.length;
  const shape = rank === 1 ? [1, ...x.shape] : x.shape;
  const from = rank === 1 ? [0, ...begin] : begin;
  const count = rank === 1 ? [1, ...size] : size;
  const strides = util.computeStrides(shape); // elements, for every axis but the last
  const r = shape.length;
  const len = 4 * count[r - 1];
  const rows = count[r - 2];
  const lead = count.slice(0, r - 2);
  const blocks = util.sizeFromShape(lead);
  const src = byteOffset(backend, x);
  const dst = byteOffset(backend, out);
  const index = new Array<number>(lead.length).fill(0);
  for (let b = 0; b < blocks; b++) {
    let at = from[r - 2] * strides[r - 2] + from[r - 1];
    for (let k = 0; k < lead.length; k++) at += (from[k] + index[k]) * strides[k];
    heapSimd(backend).copyRows(src + 4 * at, 4 * strides[r - 2], dst + b * rows * len, len, rows, len);
    for (let k = lead.length - 1; k >= 0 && ++index[k] === lead[k]; k--) index[k] = 0;
  }
  return out;
}

/**
 * SplitV of a 4-byte tensor along any axis: each piece is rows of a fixed length at a fixed stride, copied with
 * 16-byte SIMD moves (TF.js's wasm SplitV slices in a JS loop).
 */
export function simdSplit(backend: WasmBackend, x: TensorInfo, sizes: number[], axis: number): TensorInfo[] {
  const outer = util.sizeFromShape(x.shape.slice(0, axis));
  const inner = util.sizeFromShape(x.shape.slice(axis + 1));
  const rowBytes = 4 * x.shape[axis] * inner;
  let start = 0;
  return sizes.map((s) => {
    const out = backend.makeOutput(x.shape.map((d, i) => (i === axis ? s : d)), x.dtype);
    heapSimd(backend).copyRows(byteOffset(backend, x) + 4 * start * inner, rowBytes, byteOffset(backend, out), 4 * s * inner,
      outer, 4 * s * inner);
    start += s;
    return out;
  });
}
