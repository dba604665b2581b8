/**
 * The conv shape table and the cpu-backend references shared by the wasm gradient tests (conv-gradients) and the
 * native oneDNN tests (native-conv). Where the cpu backend has no dilated gradient, the reference is the adjoint
 * identity with cpu's forward conv: ⟨dW, V⟩ = ⟨dy, conv(x, V)⟩ and ⟨dx, U⟩ = ⟨dy, conv(U, W)⟩.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import { geometryFromConvInfo, type ConvGeometry } from '../../src/engine/kernels/conv-geometry.ts';
import type { WasmBackend } from '../../src/engine/kernels/wasm-heap.ts';
import { maxRelErr, onBackend, randomValues } from './backends.ts';

export type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
export interface Case { n: number; h: number; w: number; c: number; k: number; oc: number; s: number; d: number; pad: Pad }

export const cases: Case[] = [
  { n: 2, h: 9, w: 7, c: 5, k: 1, oc: 3, s: 1, d: 1, pad: 'valid' },
  { n: 1, h: 8, w: 8, c: 1, k: 1, oc: 1, s: 2, d: 1, pad: 'valid' },
  { n: 3, h: 11, w: 9, c: 16, k: 1, oc: 32, s: 2, d: 1, pad: 'same' },
  { n: 4, h: 8, w: 8, c: 64, k: 3, oc: 64, s: 1, d: 1, pad: 'same' },
  { n: 2, h: 7, w: 5, c: 3, k: 3, oc: 8, s: 2, d: 1, pad: 'same' },
  { n: 2, h: 10, w: 10, c: 6, k: 3, oc: 4, s: 1, d: 1, pad: 'valid' },
  { n: 1, h: 13, w: 11, c: 3, k: 7, oc: 16, s: 2, d: 1, pad: 'same' },
  { n: 2, h: 15, w: 15, c: 3, k: 7, oc: 8, s: 2, d: 1, pad: [[0, 0], [3, 3], [3, 3], [0, 0]] },
  { n: 1, h: 9, w: 9, c: 4, k: 3, oc: 5, s: 1, d: 1, pad: [[0, 0], [2, 0], [1, 2], [0, 0]] },
  { n: 2, h: 4, w: 4, c: 256, k: 3, oc: 128, s: 1, d: 1, pad: 'same' },
  { n: 32, h: 2, w: 2, c: 32, k: 1, oc: 256, s: 1, d: 1, pad: 'valid' },
  { n: 32, h: 3, w: 3, c: 8, k: 3, oc: 8, s: 1, d: 1, pad: 'same' },
  { n: 2, h: 9, w: 9, c: 4, k: 3, oc: 6, s: 1, d: 2, pad: 'same' },
  { n: 1, h: 12, w: 10, c: 3, k: 3, oc: 2, s: 1, d: 2, pad: 'valid' },
  // stride-1 convolutions that keep the grid (≥ 64 pixels): the filter gradient's shifted-plane im2col
  { n: 2, h: 9, w: 12, c: 8, k: 3, oc: 5, s: 1, d: 2, pad: 'same' },
  { n: 3, h: 10, w: 7, c: 6, k: 5, oc: 4, s: 1, d: 1, pad: 'same' },
  { n: 1, h: 9, w: 9, c: 8, k: 3, oc: 5, s: 1, d: 1, pad: [[0, 0], [2, 0], [0, 2], [0, 0]] },
];

export const label = (c: Case) => `${c.k}×${c.k} s${c.s} d${c.d} ${Array.isArray(c.pad) ? 'explicit' : c.pad} ` +
  `x[${c.n},${c.h},${c.w},${c.c}] → ${c.oc}`;
export const TOL = 1e-5;

export function geometry(c: Case): ConvGeometry {
  return geometryFromConvInfo(backend_util.computeConv2DInfo([c.n, c.h, c.w, c.c], [c.k, c.k, c.c, c.oc],
    c.s, c.d, c.pad as backend_util.ExplicitPadding));
}

export function inputs(c: Case, g: ConvGeometry) {
  return {
    x: randomValues(c.n * c.h * c.w * c.c, 1),
    w: randomValues(c.k * c.k * c.c * c.oc, 2),
    dy: randomValues(g.batch * g.outH * g.outW * g.outC, 3),
  };
}

export function runWasm(fn: (b: WasmBackend) => tf.TensorInfo): Float32Array {
  const backend = tf.backend() as unknown as WasmBackend;
  const out = fn(backend);
  const values = (tf.backend().readSync(out.dataId) as Float32Array).slice();
  backend.disposeData(out.dataId);
  return values;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** Reference dW: cpu's kernel where it exists (dilation 1), else the adjoint functional V ↦ ⟨dy, conv(x, V)⟩. */
export async function checkFilterGrad(c: Case, g: ConvGeometry, got: Float32Array) {
  const { x, dy } = inputs(c, g);
  if (c.d === 1) {
    const want = await onBackend('cpu', () => tf.tidy(() => (tf.engine().runKernel('Conv2DBackpropFilter',
      { x: tf.tensor4d(x, [c.n, c.h, c.w, c.c]), dy: tf.tensor4d(dy, [g.batch, g.outH, g.outW, g.outC]) },
      { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: [c.k, c.k, c.c, c.oc] }) as tf.Tensor).dataSync()));
    return maxRelErr(got, want);
  }
  const v = randomValues(got.length, 7);
  const want = await onBackend('cpu', () => tf.tidy(() => tf.sum(tf.mul(
    tf.conv2d(tf.tensor4d(x, [c.n, c.h, c.w, c.c]), tf.tensor4d(v, [c.k, c.k, c.c, c.oc]), c.s, c.pad as 'same', 'NHWC', c.d),
    tf.tensor4d(dy, [g.batch, g.outH, g.outW, g.outC]))).dataSync()[0]));
  return Math.abs(dot(got, v) - want) / Math.abs(want);
}

export async function checkInputGrad(c: Case, g: ConvGeometry, got: Float32Array) {
  const { w, dy } = inputs(c, g);
  if (c.d === 1) {
    const want = await onBackend('cpu', () => tf.tidy(() => (tf.engine().runKernel('Conv2DBackpropInput',
      { dy: tf.tensor4d(dy, [g.batch, g.outH, g.outW, g.outC]), filter: tf.tensor4d(w, [c.k, c.k, c.c, c.oc]) },
      { strides: c.s, pad: c.pad, dataFormat: 'NHWC', inputShape: [c.n, c.h, c.w, c.c] }) as tf.Tensor).dataSync()));
    return maxRelErr(got, want);
  }
  const u = randomValues(got.length, 8);
  const want = await onBackend('cpu', () => tf.tidy(() => tf.sum(tf.mul(
    tf.conv2d(tf.tensor4d(u, [c.n, c.h, c.w, c.c]), tf.tensor4d(w, [c.k, c.k, c.c, c.oc]), c.s, c.pad as 'same', 'NHWC', c.d),
    tf.tensor4d(dy, [g.batch, g.outH, g.outW, g.outC]))).dataSync()[0]));
  return Math.abs(dot(got, u) - want) / Math.abs(want);
}

