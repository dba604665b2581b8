/** The forward conv's GEMM formulations (with bias and activation) against the cpu backend's fused conv. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import { geometryFromConvInfo } from '../../src/engine/kernels/conv-geometry.ts';
import { conv2dForwardGemm, type Epilogue } from '../../src/engine/kernels/conv2d-forward.ts';
import type { WasmBackend } from '../../src/engine/kernels/wasm-heap.ts';
import { maxRelErr, randomValues, useWasm } from '../helpers/backends.ts';

type Pad = 'same' | 'valid';
const cases: Array<{ n: number; h: number; c: number; k: number; oc: number; s: number; pad: Pad; act: Epilogue; bias: boolean }> = [
  { n: 2, h: 9, c: 5, k: 1, oc: 3, s: 1, pad: 'valid', act: 'linear', bias: true },
  { n: 3, h: 11, c: 16, k: 1, oc: 32, s: 2, pad: 'valid', act: 'relu', bias: true },
  { n: 4, h: 8, c: 64, k: 3, oc: 64, s: 1, pad: 'same', act: 'relu6', bias: false },
  { n: 2, h: 7, c: 3, k: 7, oc: 8, s: 2, pad: 'same', act: 'linear', bias: false },
  { n: 16, h: 2, c: 256, k: 3, oc: 128, s: 1, pad: 'same', act: 'relu', bias: true },
  { n: 8, h: 4, c: 128, k: 1, oc: 512, s: 1, pad: 'valid', act: 'linear', bias: true },
];

describe('wasm forward conv, GEMM paths vs cpu', () => {
  before(useWasm);
  for (const c of cases) {
    for (const path of ['gemm', 'gemmT'] as const) {
      it(`[${path}] ${c.k}×${c.k} s${c.s} ${c.pad} x[${c.n},${c.h},${c.h},${c.c}] → ${c.oc} ${c.act}${c.bias ? ' +bias' : ''}`, async () => {
        const x = randomValues(c.n * c.h * c.h * c.c, 1);
        const w = randomValues(c.k * c.k * c.c * c.oc, 2);
        const b = randomValues(c.oc, 3).map((v) => v * 4);
        const make = () => ({
          x: tf.tensor4d(x, [c.n, c.h, c.h, c.c]), w: tf.tensor4d(w, [c.k, c.k, c.c, c.oc]), b: tf.tensor1d(b),
        });
        await tf.setBackend('cpu');
        const want = tf.tidy(() => {
          const t = make();
          return tf.fused.conv2d({ x: t.x, filter: t.w, strides: c.s, pad: c.pad, bias: c.bias ? t.b : undefined, activation: c.act })
            .dataSync().slice();
        });
        await tf.setBackend('wasm');
        const got = tf.tidy(() => {
          const t = make();
          const g = geometryFromConvInfo(backend_util.computeConv2DInfo(t.x.shape, t.w.shape, c.s, 1, c.pad));
          const backend = tf.backend() as unknown as WasmBackend;
          const out = conv2dForwardGemm(backend, t.x, t.w, c.bias ? t.b : null, c.act, g, path);
          return tf.engine().makeTensorFromTensorInfo(out).dataSync().slice();
        });
        assert.ok(maxRelErr(got, want) <= 1e-5, `relative error ${maxRelErr(got, want)}`);
      });
    }
  }
});
