/**
 * Zero-copy access to float32 tensor data for code that computes in plain JS loops (the optimizer, statistics):
 * on wasm a view of the heap, elsewhere the backend's own array. Views are valid only until the next allocation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { alloc, f32, offsetOf, type WasmBackend } from './kernels/wasm-heap.ts';

const onWasm = () => tf.getBackend() === 'wasm';

/** The values of a float32 tensor; do not keep the view across tensor allocations. */
export function floatsOf(t: tf.Tensor): Float32Array {
  if (onWasm()) {
    const backend = tf.backend() as unknown as WasmBackend;
    const o = offsetOf(backend, t);
    return f32(backend).subarray(o, o + t.size);
  }
  return t.dataSync() as Float32Array;
}

/** A new float32 tensor whose values `fill` writes (straight into the wasm heap when on wasm). */
export function tensorFromFill(shape: number[], fill: (out: Float32Array) => void): tf.Tensor {
  if (onWasm()) {
    const backend = tf.backend() as unknown as WasmBackend;
    const info = alloc(backend, shape);
    const o = offsetOf(backend, info);
    fill(f32(backend).subarray(o, o + tf.util.sizeFromShape(shape)));
    return tf.engine().makeTensorFromTensorInfo(info);
  }
  const values = new Float32Array(tf.util.sizeFromShape(shape));
  fill(values);
  return tf.tensor(values, shape);
}
