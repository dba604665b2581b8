/**
 * Depthwise conv gradients on wasm (MobileNet's layers) against the cpu backend's kernels. cpu's filter-gradient
 * kernel ignores dilation, so dilated cases are checked by the adjoint identity with cpu's (dilation-aware) forward
 * depthwise conv: ⟨dW, V⟩ = ⟨dy, dwconv(x, V)⟩ and ⟨dx, U⟩ = ⟨dy, dwconv(U, W)⟩.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { maxRelErr, randomValues, useWasm } from '../helpers/backends.ts';

interface Case { n: number; h: number; w: number; c: number; m: number; k: number; s: number; d: number; pad: 'same' | 'valid' }
const cases: Case[] = [
  { n: 2, h: 9, w: 9, c: 8, m: 1, k: 3, s: 1, d: 1, pad: 'same' },
  { n: 3, h: 10, w: 7, c: 5, m: 1, k: 3, s: 2, d: 1, pad: 'same' },
  { n: 1, h: 8, w: 8, c: 3, m: 2, k: 3, s: 1, d: 1, pad: 'valid' },
  { n: 2, h: 9, w: 9, c: 4, m: 1, k: 3, s: 1, d: 2, pad: 'same' },
  { n: 4, h: 5, w: 5, c: 32, m: 1, k: 5, s: 2, d: 1, pad: 'same' },
];

function grads(c: Case): [Float32Array, Float32Array] {
  return tf.tidy(() => {
    const x = tf.tensor4d(randomValues(c.n * c.h * c.w * c.c, 1), [c.n, c.h, c.w, c.c]);
    const w = tf.tensor4d(randomValues(c.k * c.k * c.c * c.m, 2), [c.k, c.k, c.c, c.m]);
    const y = tf.depthwiseConv2d(x, w, c.s, c.pad, 'NHWC', c.d);
    const dy = tf.tensor4d(randomValues(y.size, 3), y.shape as [number, number, number, number]);
    const attrs = { strides: c.s, pad: c.pad, dilations: c.d };
    const dw = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape }) as tf.Tensor;
    const dx = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape }) as tf.Tensor;
    return [dw.dataSync() as Float32Array, dx.dataSync() as Float32Array];
  });
}

/** Relative mismatch of ⟨dW, V⟩ vs ⟨dy, dwconv(x, V)⟩ and of ⟨dx, U⟩ vs ⟨dy, dwconv(U, W)⟩, on the current backend. */
function adjointChecks(c: Case, dw: Float32Array, dx: Float32Array): [number, number] {
  return tf.tidy(() => {
    const x = tf.tensor4d(randomValues(c.n * c.h * c.w * c.c, 1), [c.n, c.h, c.w, c.c]);
    const w = tf.tensor4d(randomValues(c.k * c.k * c.c * c.m, 2), [c.k, c.k, c.c, c.m]);
    const conv = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.depthwiseConv2d(a, b, c.s, c.pad, 'NHWC', c.d);
    const y = conv(x, w);
    const dy = tf.tensor4d(randomValues(y.size, 3), y.shape as [number, number, number, number]);
    const v = tf.tensor4d(randomValues(dw.length, 7), w.shape);
    const u = tf.tensor4d(randomValues(dx.length, 8), x.shape);
    const rel = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);
    return [
      rel(tf.sum(tf.mul(tf.tensor(dw, w.shape), v)).dataSync()[0], tf.sum(tf.mul(dy, conv(x, v))).dataSync()[0]),
      rel(tf.sum(tf.mul(tf.tensor(dx, x.shape), u)).dataSync()[0], tf.sum(tf.mul(dy, conv(u, w))).dataSync()[0]),
    ];
  });
}

describe('wasm depthwise conv gradients vs cpu', () => {
  before(useWasm);
  for (const c of cases) {
    it(`${c.k}×${c.k} s${c.s} d${c.d} ${c.pad} x[${c.n},${c.h},${c.w},${c.c}] ×${c.m}`, async () => {
      await tf.setBackend('wasm');
      const [dw, dx] = grads(c);
      await tf.setBackend('cpu');
      if (c.d === 1) {
        const [dwRef, dxRef] = grads(c);
        assert.ok(maxRelErr(dw, dwRef) <= 1e-5, `filter gradient relative error ${maxRelErr(dw, dwRef)}`);
        assert.ok(maxRelErr(dx, dxRef) <= 1e-5, `input gradient relative error ${maxRelErr(dx, dxRef)}`);
      } else {
        const [dwAdj, dxAdj] = adjointChecks(c, dw, dx);
        assert.ok(dwAdj <= 1e-5, `filter gradient adjoint mismatch ${dwAdj}`);
        assert.ok(dxAdj <= 1e-5, `input gradient adjoint mismatch ${dxAdj}`);
      }
      await tf.setBackend('wasm');
    });
  }
});
