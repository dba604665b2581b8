/** The SIMD heap module: its embedded bytes are the assembled WAT source, and its loops match float64 references. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { HEAP_SIMD_BASE64 } from '../../src/engine/kernels/simd/heap-simd-bytes.ts';
import { simdAdam, simdAddInto, simdBatchNormBackward, simdChannelAffine, simdSumsAndDots, simdTranspose } from '../../src/engine/kernels/simd/heap-simd.ts';
import type { WasmBackend } from '../../src/engine/kernels/wasm-heap.ts';
import { alloc, f32, free, offsetOf } from '../../src/engine/kernels/wasm-heap.ts';
import { adamUpdate } from '../../src/engine/optimizer-update.ts';
import { randomValues, useWasm } from '../helpers/backends.ts';
// @ts-expect-error a plain .mjs script without types
import { assembleHeapSimd } from '../../scripts/gen-heap-simd.mjs';

describe('heap SIMD module', () => {
  before(useWasm);

  it('embeds exactly the assembled heap-simd.wat (rerun scripts/gen-heap-simd.mjs after editing it)', async () => {
    assert.equal(await assembleHeapSimd(), HEAP_SIMD_BASE64);
  });

  for (const [rows, C] of [[37, 13], [5, 4], [64, 130], [1, 3]]) {
    it(`sumsDots over [${rows}, ${C}] equals float64 sums and dot products`, () => {
      const a = randomValues(rows * C, 1);
      const b = randomValues(rows * C, 2);
      const backend = tf.backend() as unknown as WasmBackend;
      const [ta, tb] = [tf.tensor2d(a, [rows, C]), tf.tensor2d(b, [rows, C])];
      const [sum, dot] = simdSumsAndDots(backend, offsetOf(backend, ta), offsetOf(backend, tb), rows, C);
      tf.dispose([ta, tb]);
      for (let c = 0; c < C; c++) {
        let s = 0;
        let d = 0;
        for (let r = 0; r < rows; r++) {
          s += a[r * C + c];
          d += a[r * C + c] * b[r * C + c];
        }
        assert.ok(Math.abs(sum[c] - s) <= 1e-12 * rows, `sum[${c}] ${sum[c]} vs ${s}`);
        assert.ok(Math.abs(dot[c] - d) <= 1e-12 * rows, `dot[${c}] ${dot[c]} vs ${d}`);
      }
    });
  }

  for (const [rows, cols] of [[1, 1], [7, 5], [8, 300], [13, 517], [64, 4]]) {
    it(`transpose of [${rows}, ${cols}] puts src[r, c] at dst[c, r]`, () => {
      const backend = tf.backend() as unknown as WasmBackend;
      const values = randomValues(rows * cols, 3);
      const src = tf.tensor2d(values, [rows, cols]);
      const dst = alloc(backend, [cols, rows]);
      simdTranspose(backend, offsetOf(backend, src), offsetOf(backend, dst), rows, cols);
      const h = f32(backend);
      const d = offsetOf(backend, dst);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) assert.equal(h[d + c * rows + r], values[r * cols + c], `[${r}, ${c}]`);
      }
      src.dispose();
      free(backend, dst);
    });
  }

  it('adam on heap views gives the same bits as the JS loop on plain arrays (moments and weights, 3 steps)', () => {
    const backend = tf.backend() as unknown as WasmBackend;
    for (const decay of [0, 1e-4]) {
      const n = 1003;
      let wJs = randomValues(n, 4);
      const [mJs, vJs, mSimd, vSimd] = [0, 1, 2, 3].map(() => new Float32Array(n));
      const w = tf.tensor1d(wJs);
      let wSimd: tf.Tensor = w;
      for (let t = 1; t <= 3; t++) {
        const c = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, stepScale: 1e-2 / (1 - 0.9 ** t), invC2: 1 / (1 - 0.999 ** t), decay };
        const gValues = randomValues(n, 10 + t);
        const outJs = new Float32Array(n);
        adamUpdate(outJs, wJs, gValues, mJs, vJs, c); // plain arrays: the JS loop
        const g = tf.tensor1d(gValues);
        const out = alloc(backend, [n]);
        const view = (t2: { dataId: object }) => f32(backend).subarray(backend.dataIdMap.get(t2.dataId).memoryOffset >>> 2).subarray(0, n);
        assert.ok(simdAdam(backend, view(out), view(wSimd), view(g), mSimd, vSimd, c), 'heap views take the SIMD path');
        const next = tf.engine().makeTensorFromTensorInfo(out);
        tf.dispose([wSimd, g]);
        wSimd = next;
        wJs = outJs;
        assert.deepEqual(new Uint32Array(f32(backend).slice(offsetOf(backend, wSimd), offsetOf(backend, wSimd) + n).buffer),
          new Uint32Array(outJs.buffer), `weights after step ${t}`);
        assert.deepEqual(new Uint32Array(mSimd.buffer), new Uint32Array(mJs.buffer), `m after step ${t}`);
        assert.deepEqual(new Uint32Array(vSimd.buffer), new Uint32Array(vJs.buffer), `v after step ${t}`);
      }
      wSimd.dispose();
    }
  });

  for (const n of [0, 3, 8, 1001]) {
    it(`addInto over ${n} floats gives the bits of float32 addition`, () => {
      const a = randomValues(n, 5);
      const b = randomValues(n, 6);
      const [ta, tb] = [tf.tensor1d(a), tf.tensor1d(b)];
      const backend = tf.backend() as unknown as WasmBackend;
      const view = (t: tf.Tensor) => f32(backend).subarray(offsetOf(backend, t), offsetOf(backend, t) + n);
      simdAddInto(backend, view(ta), view(tb));
      assert.deepEqual(Array.from(view(ta)), Array.from(a, (x, i) => Math.fround(x + b[i])));
      assert.deepEqual(Array.from(view(tb)), Array.from(b), 'src untouched');
      assert.throws(() => simdAddInto(backend, view(ta), new Float32Array(n)), /two heap views/);
      tf.dispose([ta, tb]);
    });
  }

  it('bnBackward gives the same bits as TF.js mul, mul, add, add with broadcast vectors', () => {
    const backend = tf.backend() as unknown as WasmBackend;
    for (const [rows, C] of [[37, 13], [16, 64]]) {
      const [dy, x] = [tf.tensor2d(randomValues(rows * C, 5), [rows, C]), tf.tensor2d(randomValues(rows * C, 6), [rows, C])];
      const [A, B, K] = [7, 8, 9].map((seed) => randomValues(C, seed));
      const want = tf.add(tf.add(tf.mul(dy, tf.tensor1d(A)), tf.mul(x, tf.tensor1d(B))), tf.tensor1d(K));
      const got = tf.engine().makeTensorFromTensorInfo(simdBatchNormBackward(backend, dy, x, A, B, K));
      assert.deepEqual(got.shape, [rows, C]);
      assert.deepEqual(new Uint32Array((got.dataSync() as Float32Array).buffer), new Uint32Array((want.dataSync() as Float32Array).buffer));
      tf.dispose([dy, x, want, got]);
    }
  });

  it('channel affine (BatchNorm forward) gives the same bits as TF.js mul, add with broadcast vectors', () => {
    const backend = tf.backend() as unknown as WasmBackend;
    for (const [rows, C] of [[37, 13], [16, 64]]) {
      const x = tf.tensor2d(randomValues(rows * C, 5).map((v) => 1e3 * v), [rows, C]);
      const [A, B] = [7, 8].map((seed) => randomValues(C, seed));
      const want = tf.add(tf.mul(x, tf.tensor1d(A)), tf.tensor1d(B));
      const got = tf.engine().makeTensorFromTensorInfo(simdChannelAffine(backend, x, A, B));
      assert.deepEqual(got.shape, [rows, C]);
      assert.deepEqual(new Uint32Array((got.dataSync() as Float32Array).buffer), new Uint32Array((want.dataSync() as Float32Array).buffer));
      tf.dispose([x, want, got]);
    }
  });

  it('ReLU gradient on wasm (one SIMD pass) has the bits of the cpu backend, for x > 0, 0, < 0 and NaN', async () => {
    const n = 23;
    const x = Array.from(randomValues(n, 11));
    x[0] = 0;
    x[1] = NaN;
    x[2] = -0;
    const dy = randomValues(n, 12);
    const run = () => tf.tidy(() => tf.grad((t: tf.Tensor) => tf.relu(t))(tf.tensor1d(x), tf.tensor1d(dy)).dataSync() as Float32Array);
    const got = run();
    await tf.setBackend('cpu');
    const want = run();
    await tf.setBackend('wasm');
    assert.deepEqual(new Uint32Array(got.buffer), new Uint32Array(want.buffer));
    assert.ok(got.some((v, i) => Object.is(v, -0) && x[i] <= 0), 'a negative dy at x ≤ 0 gives −0, as on cpu');
  });

  const splits: Array<[number[], number | number[], number]> = [
    [[2, 3, 4, 10], [3, 2, 5], 3], [[2, 3, 4, 10], [3, -1], -1], [[5, 6, 7], 3, 1], [[6, 5], [1, 5], 0], [[3, 9], 3, 1],
  ];
  for (const [shape, sizes, axis] of splits) {
    it(`split of [${shape}] into ${JSON.stringify(sizes)} along ${axis} equals the cpu backend's`, async () => {
      for (const dtype of ['float32', 'int32'] as const) {
        const values = Array.from(randomValues(shape.reduce((a, b) => a * b), 13), (v) => (dtype === 'int32' ? Math.round(v * 100) : v));
        const run = () => tf.tidy(() => tf.split(tf.tensor(values, shape, dtype), sizes, axis).map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) })));
        const got = run();
        await tf.setBackend('cpu');
        const want = run();
        await tf.setBackend('wasm');
        assert.deepEqual(got, want);
      }
    });
  }
});
