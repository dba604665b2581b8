/**
 * The optional oneDNN accelerator (native/): every native conv kernel against the cpu backend on the shape table
 * of conv-gradients.test.ts, the zero-copy guards (detached heap, out-of-range offsets, bad geometry), the weight
 * reorder cache, thread counts, Winograd's choice of layers, a small-ResNet training run and one train step of every
 * zoo model equal to the pure-wasm path.
 * Skipped, with the reason, when the addon is not built (no libdnnl-dev) or MEDFT_ACCELERATOR=none.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import { engineInfo } from '../../src/engine/backend.ts';
import { type OneDnnAddon, tryLoadOneDnn } from '../../src/engine/native/onednn.ts';
import {
  conv2dBackpropFilterNative, conv2dBackpropInputNative, conv2dForwardNative, geomVector,
} from '../../src/engine/kernels/native-conv.ts';
import type { WasmBackend } from '../../src/engine/kernels/wasm-heap.ts';
import { geometryFromConvInfo } from '../../src/engine/kernels/conv-geometry.ts';
import { maxPoolGradWasm } from '../../src/engine/kernels/max-pool-grad.ts';
import { maxPoolGradNative } from '../../src/engine/kernels/native-max-pool-grad.ts';
import { kernelLayers } from '../../src/engine/kernels/wasm-kernel.ts';
import { maxRelErr, onBackend, randomValues, useWasm } from '../helpers/backends.ts';
import {
  type Case, cases, checkFilterGrad, checkInputGrad, geometry, inputs, label, runWasm, TOL,
} from '../helpers/conv-cases.ts';

const { addon: loaded, reason } = tryLoadOneDnn();
const skip = process.env.MEDFT_ACCELERATOR === 'none'
  ? 'MEDFT_ACCELERATOR=none: native kernels switched off'
  : loaded ? false : `native oneDNN addon absent: ${reason}`;
if (skip) console.log(`# native oneDNN tests skipped: ${skip}`);
const addon = loaded as OneDnnAddon;
// oneDNN's Winograd kernels (jit_wino_4x3) need AVX-512; without it every convolution runs direct, and the AVX2
// kernels sum a convolution's products in another order than AVX-512's, a few float32 roundings further from the cpu
// backend. What the machine has decides which assertions apply.
const avx512 = process.platform !== 'linux' || /\bavx512f\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
const FORWARD_TOL = avx512 ? TOL : 3 * TOL;
const noWinograd = skip || (avx512 ? false : 'this CPU has no AVX-512, which oneDNN\'s Winograd kernels need: every convolution runs direct');
if (!skip && noWinograd) console.log(`# native oneDNN Winograd tests skipped: ${noWinograd}`);

const backend = () => tf.backend() as unknown as WasmBackend;

// 3×3 stride-1 convolutions that the addon runs with Winograd (≥ 32 channels in and out, output ≥ 8×8); the shape
// table's 8×8 64→64 case is one too.
const winogradCases: Case[] = [
  { n: 2, h: 12, w: 10, c: 32, k: 3, oc: 48, s: 1, d: 1, pad: 'same' },
  { n: 2, h: 10, w: 10, c: 40, k: 3, oc: 32, s: 1, d: 1, pad: 'valid' },
];
// Reorders of 1 MiB and more run on all threads, smaller ones on the calling thread alone (native/src/medft_onednn.cc):
// weights of 1.1 MiB (direct), and Winograd activations of exactly 1 MiB; the shape table covers the small side.
const largeCases: Case[] = [
  { n: 1, h: 4, w: 4, c: 128, k: 3, oc: 256, s: 1, d: 1, pad: 'same' },
  { n: 2, h: 32, w: 32, c: 128, k: 3, oc: 32, s: 1, d: 1, pad: 'same' },
];
const heap = () => backend().wasm.HEAPU8.buffer as ArrayBuffer;

describe('native oneDNN conv kernels vs the cpu backend', { skip }, () => {
  before(async () => {
    await useWasm();
    assert.equal(engineInfo().accelerator, 'onednn');
  });

  for (const c of [...cases, ...winogradCases, ...largeCases]) {
    it(`forward (plain, bias+relu, bias+relu6) ${label(c)}`, async () => {
      const g = geometry(c);
      const { x, w } = inputs(c, g);
      const bias = randomValues(c.oc, 5);
      for (const act of ['linear', 'relu', 'relu6'] as const) {
        const withBias = act !== 'linear';
        const got = runWasm((b) => tf.tidy(() => {
          const xt = tf.tensor4d(x, [c.n, c.h, c.w, c.c]);
          // scale so that relu6 clips somewhere
          const wt = tf.tensor4d(w.map((v) => v * 3), [c.k, c.k, c.c, c.oc]);
          const bt = withBias ? tf.tensor1d(bias) : null;
          return tf.keep(tf.engine().makeTensorFromTensorInfo(conv2dForwardNative(addon, b, xt, wt, bt, act, g)));
        }));
        const want = await onBackend('cpu', () => tf.tidy(() => {
          let y: tf.Tensor = tf.conv2d(tf.tensor4d(x, [c.n, c.h, c.w, c.c]), tf.tensor4d(w.map((v) => v * 3), [c.k, c.k, c.c, c.oc]),
            c.s, c.pad as 'same', 'NHWC', c.d);
          if (withBias) y = tf.add(y, tf.tensor1d(bias));
          if (act === 'relu') y = tf.relu(y);
          if (act === 'relu6') y = tf.clipByValue(y, 0, 6);
          return y.dataSync();
        }));
        const err = maxRelErr(got, want);
        assert.ok(err <= FORWARD_TOL, `${act}: relative error ${err} > ${FORWARD_TOL}`);
      }
    });

    it(`backward-weights ${label(c)}`, async () => {
      const g = geometry(c);
      const { x, dy } = inputs(c, g);
      const got = runWasm((b) => tf.tidy(() => tf.keep(tf.engine().makeTensorFromTensorInfo(conv2dBackpropFilterNative(
        addon, b, tf.tensor4d(x, [c.n, c.h, c.w, c.c]), tf.tensor4d(dy, [g.batch, g.outH, g.outW, g.outC]), g)))));
      const err = await checkFilterGrad(c, g, got);
      assert.ok(err <= TOL, `relative error ${err} > ${TOL}`);
    });

    it(`backward-data ${label(c)}`, async () => {
      const g = geometry(c);
      const { w, dy } = inputs(c, g);
      const got = runWasm((b) => tf.tidy(() => tf.keep(tf.engine().makeTensorFromTensorInfo(conv2dBackpropInputNative(
        addon, b, tf.tensor4d(dy, [g.batch, g.outH, g.outW, g.outC]), tf.tensor4d(w, [c.k, c.k, c.c, c.oc]), g)))));
      const err = await checkInputGrad(c, g, got);
      assert.ok(err <= TOL, `relative error ${err} > ${TOL}`);
    });
  }

  it('the registered wasm kernels (tf.conv2d, fused conv, tf.grads) run natively and match cpu', async () => {
    const c = cases[3];
    const { x, w } = inputs(c, geometry(c));
    const bias = randomValues(c.oc, 9);
    const run = () => tf.tidy(() => {
      const xt = tf.tensor4d(x, [c.n, c.h, c.w, c.c]);
      const wt = tf.tensor4d(w, [c.k, c.k, c.c, c.oc]);
      const f = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.sum(tf.square(tf.fused.conv2d({ x: a, filter: b, strides: 1, pad: 'same',
        bias: tf.tensor1d(bias), activation: 'relu' })));
      const [dx, dw] = tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)([xt, wt]);
      return [f(xt, wt).dataSync()[0], dx.dataSync(), dw.dataSync()] as const;
    });
    const before = addon.cacheStats().primitives;
    const got = run();
    assert.ok(addon.cacheStats().primitives >= before, 'primitives cached');
    const want = await onBackend('cpu', run);
    assert.ok(Math.abs(got[0] - want[0]) <= 1e-5 * Math.abs(want[0]), `loss ${got[0]} vs ${want[0]}`);
    assert.ok(maxRelErr(got[1], want[1]) <= 1e-5, `dx ${maxRelErr(got[1], want[1])}`);
    assert.ok(maxRelErr(got[2], want[2]) <= 1e-5, `dw ${maxRelErr(got[2], want[2])}`);
  });
});

describe('native oneDNN Winograd', { skip: noWinograd }, () => {
  before(useWasm);
  const isWinograd = (c: Case) => Object.values(addon.impl(geomVector(geometry(c)))).map((impl) => impl.includes('wino'));

  it('runs 3×3 stride-1 convolutions with ≥ 32 channels and ≥ 8×8 output pixels with Winograd, others direct', () => {
    for (const c of [cases[3], ...winogradCases]) assert.deepEqual(isWinograd(c), [true, true, true], label(c));
    const direct: Case[] = [
      { ...cases[3], h: 7, w: 7 }, // 7×7 output
      { ...cases[3], c: 16 }, // too few input channels
      { ...cases[3], oc: 16 }, // too few output channels
      { ...cases[3], s: 2 },
      { ...cases[3], d: 2 },
      { ...cases[3], k: 1 },
    ];
    for (const c of direct) assert.deepEqual(isWinograd(c), [false, false, false], label(c));
  });

  it('setWinograd(false) runs the same layers direct, within the kernels tolerance of the Winograd results', () => {
    const c = winogradCases[0];
    const g = geometry(c);
    const { x, w, dy } = inputs(c, g);
    const run = () => [
      runWasm((b) => tf.tidy(() => tf.keep(tf.engine().makeTensorFromTensorInfo(conv2dForwardNative(addon, b,
        tf.tensor4d(x, [c.n, c.h, c.w, c.c]), tf.tensor4d(w, [c.k, c.k, c.c, c.oc]), null, 'linear', g))))),
      runWasm((b) => tf.tidy(() => tf.keep(tf.engine().makeTensorFromTensorInfo(conv2dBackpropFilterNative(addon, b,
        tf.tensor4d(x, [c.n, c.h, c.w, c.c]), tf.tensor4d(dy, [g.batch, g.outH, g.outW, g.outC]), g))))),
      runWasm((b) => tf.tidy(() => tf.keep(tf.engine().makeTensorFromTensorInfo(conv2dBackpropInputNative(addon, b,
        tf.tensor4d(dy, [g.batch, g.outH, g.outW, g.outC]), tf.tensor4d(w, [c.k, c.k, c.c, c.oc]), g))))),
    ];
    const wino = run();
    addon.setWinograd(false);
    try {
      assert.deepEqual(isWinograd(c), [false, false, false]);
      const direct = run();
      for (let i = 0; i < 3; i++) {
        const err = maxRelErr(wino[i], direct[i]);
        assert.ok(err > 0 && err <= TOL, `pass ${i}: Winograd vs direct ${err} (0 would mean the switch did nothing)`);
      }
    } finally {
      addon.setWinograd(true);
    }
  });
});

describe('native MaxPoolGrad', { skip }, () => {
  before(useWasm);

  it('is the registered kernel, and equals the wasm kernel bit for bit (first maximum, ties, padding, batch split over threads)', () => {
    assert.deepEqual(kernelLayers('MaxPoolGrad'), ['wasm', 'onednn']);
    const shapes: Array<[number, number, number, number, 'same' | 'valid']> = [
      [9, 9, 3, 2, 'same'], [8, 8, 2, 2, 'valid'], [7, 5, 3, 1, 'same'], [11, 10, 3, 2, 'valid'],
    ];
    for (const [h, w, k, s, pad] of shapes) {
      const [n, c] = [5, 7];
      const x = tf.tensor4d(randomValues(n * h * w * c, 4).map((v) => Math.round(v * 2)), [n, h, w, c]); // many ties
      const y = tf.maxPool(x, k, s, pad);
      const dy = tf.tensor4d(randomValues(y.size, 6), y.shape as [number, number, number, number]);
      const g = geometryFromConvInfo(backend_util.computePool2DInfo([n, h, w, c], k, s, 1, pad));
      const native = runWasm((b) => maxPoolGradNative(addon, b, dy, x, g));
      const wasm = runWasm((b) => maxPoolGradWasm(b, dy, x, g));
      assert.deepEqual(native, wasm, `${k}×${k} s${s} ${pad} on ${h}×${w}`);
      tf.dispose([x, y, dy]);
    }
  });
});

describe('native oneDNN zero-copy guards and caches', { skip }, () => {
  before(useWasm);
  const c = cases[2];

  it('refuses a detached heap, offsets outside the heap, and an inconsistent geometry (no crash)', () => {
    const g = geometry(c);
    const v = geomVector(g);
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    const old = mem.buffer;
    mem.grow(1);
    assert.equal(old.byteLength, 0);
    assert.throws(() => addon.convForward(old, 0, 0, -1, 0, v, 0, 0), /detached/);
    assert.throws(() => addon.convBackwardWeights(mem.buffer, 0, 0, mem.buffer.byteLength - 4, v), /outside the heap/);
    assert.throws(() => addon.convBackwardData(mem.buffer, 0, 0, 2, v, 0), /bad byte offset/);
    assert.throws(() => addon.convForward(mem.buffer, 0, 0, -1, 0, [...v.slice(0, 4), v[4] + 1, ...v.slice(5)], 0, 0),
      /inconsistent convolution geometry/);
    assert.throws(() => addon.convForward(new ArrayBuffer(8) as unknown as ArrayBuffer, 0, 0, -1, 0, v.slice(1), 0, 0), /17 integers/);
  });

  it('works after the wasm heap grows (the buffer is re-read on every call)', () => {
    const g = geometry(c);
    const { x, dy } = inputs(c, g);
    const xt = tf.tensor4d(x, [c.n, c.h, c.w, c.c]);
    const dyt = tf.tensor4d(dy, [g.batch, g.outH, g.outW, g.outC]);
    const first = runWasm((b) => conv2dBackpropFilterNative(addon, b, xt, dyt, g));
    const before = heap().byteLength;
    const big = tf.zeros([before / 4 + 1024]); // forces memory.grow()
    assert.ok(heap().byteLength > before, 'heap grew');
    const second = runWasm((b) => conv2dBackpropFilterNative(addon, b, xt, dyt, g));
    assert.deepEqual(second, first);
    tf.dispose([big, xt, dyt]);
  });

  it('reorders of a weight tensor are reused while it lives, never for a new tensor with the same offset/shape', () => {
    const g = geometry(c);
    const { x, w } = inputs(c, g);
    const xt = tf.tensor4d(x, [c.n, c.h, c.w, c.c]);
    const w1 = tf.tensor4d(w, [1, 1, c.c, c.oc]);
    const a = runWasm((b) => conv2dForwardNative(addon, b, xt, w1, null, 'linear', g));
    const hits = addon.cacheStats().weightHits;
    const a2 = runWasm((b) => conv2dForwardNative(addon, b, xt, w1, null, 'linear', g));
    assert.deepEqual(a2, a);
    w1.dispose();
    const w2 = tf.tensor4d(w.map((v) => -v), [1, 1, c.c, c.oc]); // likely the freed slot: same offset, new data
    const neg = runWasm((b) => conv2dForwardNative(addon, b, xt, w2, null, 'linear', g));
    assert.ok(neg.every((v, i) => v === -a[i]), 'the new tensor is reordered afresh');
    const st = addon.cacheStats();
    assert.ok(st.weightHits >= hits + 1, 'the second call with the same tensor hit the cache');
    tf.dispose([xt, w2]);
  });

  it('gives the same results on 1 thread and on all threads (primitives are cached per thread count)', () => {
    const g = geometry(cases[3]);
    const cc = cases[3];
    const { x, dy } = inputs(cc, g);
    const xt = tf.tensor4d(x, [cc.n, cc.h, cc.w, cc.c]);
    const dyt = tf.tensor4d(dy, [g.batch, g.outH, g.outW, g.outC]);
    const all = addon.threads();
    const many = runWasm((b) => conv2dBackpropFilterNative(addon, b, xt, dyt, g));
    addon.setThreads(1);
    try {
      const one = runWasm((b) => conv2dBackpropFilterNative(addon, b, xt, dyt, g));
      assert.ok(maxRelErr(one, many) <= 1e-5);
    } finally {
      addon.setThreads(all);
    }
    tf.dispose([xt, dyt]);
  });
  it('1,000 forward/backward rounds with a new weight tensor each: bounded reorder cache, no heap or RSS growth', () => {
    const cc = cases[3];
    const g = geometry(cc);
    const { x, w, dy } = inputs(cc, g);
    const xt = tf.tensor4d(x, [cc.n, cc.h, cc.w, cc.c]);
    const dyt = tf.tensor4d(dy, [g.batch, g.outH, g.outW, g.outC]);
    addon.setWeightCacheBytes(1 << 20);
    const round = () => {
      const wt = tf.tensor4d(w, [cc.k, cc.k, cc.c, cc.oc]);
      for (const fn of [
        (b: WasmBackend) => conv2dForwardNative(addon, b, xt, wt, null, 'relu', g),
        (b: WasmBackend) => conv2dBackpropInputNative(addon, b, dyt, wt, g),
        (b: WasmBackend) => conv2dBackpropFilterNative(addon, b, xt, dyt, g),
      ]) backend().disposeData(fn(backend()).dataId);
      wt.dispose();
    };
    try {
      for (let i = 0; i < 100; i++) round();
      const heapBefore = heap().byteLength;
      const rssBefore = process.memoryUsage().rss;
      const tensorsBefore = tf.memory().numTensors;
      for (let i = 0; i < 1000; i++) round();
      const st = addon.cacheStats();
      assert.ok(st.weightBytes <= 1 << 20, `reorder cache ${st.weightBytes} B over its 1 MiB budget`);
      assert.equal(heap().byteLength, heapBefore, 'wasm heap grew');
      assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors leaked');
      const grown = process.memoryUsage().rss - rssBefore;
      assert.ok(grown < 32 << 20, `RSS grew ${(grown / 2 ** 20).toFixed(1)} MiB over 1,000 rounds`);
    } finally {
      addon.setWeightCacheBytes(256 << 20);
      tf.dispose([xt, dyt]);
    }
  });
});

describe('native train step', { skip }, () => {
  it('a small-ResNet Adam run with oneDNN equals the pure-wasm run (loss rel. 1e-4, weights max rel. 1e-3)', () => {
    const child = (accelerator: string) => JSON.parse(execFileSync(process.execPath,
      ['--import', 'tsx', new URL('../helpers/train-step-child.ts', import.meta.url).pathname, '6'],
      { env: { ...process.env, MEDFT_ACCELERATOR: accelerator }, maxBuffer: 1 << 28 }).toString()) as
      { accelerator: string; losses: number[]; names: string[]; weights: number[][] };
    const native = child('onednn');
    const wasm = child('none');
    assert.equal(native.accelerator, 'onednn');
    assert.equal(wasm.accelerator, 'none');
    assert.ok(native.losses[5] < native.losses[0] * 0.8, `loss should fall: ${native.losses}`);
    for (let s = 0; s < native.losses.length; s++) {
      assert.ok(Math.abs(native.losses[s] - wasm.losses[s]) <= 1e-4 * Math.abs(wasm.losses[s]),
        `step ${s}: onednn loss ${native.losses[s]} vs wasm ${wasm.losses[s]}`);
    }
    for (let i = 0; i < wasm.weights.length; i++) {
      const err = maxRelErr(native.weights[i], wasm.weights[i]);
      assert.ok(err <= 1e-3, `${wasm.names[i]}: max relative difference ${err}`);
    }
  });

  // One train step of every zoo model, with the accelerator and on pure wasm (seeded weights and inputs). The loss
  // must agree closely; gradients less so, because a train-mode step at random initialisation is ill-conditioned:
  // BatchNorm's backward subtracts nearly equal terms, so float32 rounding anywhere shows up as a relative difference
  // in every gradient — measured for ResNet-50 at 32 px: pure wasm vs the cpu backend differ by 2.5% (global), as much
  // as oneDNN vs pure wasm (2.7%), while each kernel agrees with cpu to ~1e-6. A wrong kernel for one layer would show
  // as an O(1) difference in that layer's gradients, which the per-variable bound catches.
  const zoo: Array<{ model: string; size: number; batch: number; global: number }> = [
    { model: 'resnet50', size: 64, batch: 8, global: 5e-2 }, // measured 2.9e-2, worst variable 3.5e-2
    { model: 'densenet121', size: 32, batch: 4, global: 1e-2 }, // 1.8e-3, worst 3.2e-3
    { model: 'vgg19', size: 32, batch: 4, global: 1e-2 }, // 2.4e-4, worst 2.0e-3
    { model: 'mobilenet_v2', size: 32, batch: 4, global: 2e-2 }, // 6.9e-3, worst 1.5e-2
  ];
  for (const z of zoo) {
    it(`one ${z.model} train step (${z.size} px, batch ${z.batch}) with oneDNN equals the pure-wasm step (loss rel. 1e-4, gradients ${z.global} globally, 0.1 per variable)`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'medft-zoo-'));
      try {
        const run = (accelerator: string) => {
          const file = join(dir, `${accelerator}.f32`);
          const r = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx',
            new URL('../helpers/zoo-step-child.ts', import.meta.url).pathname, z.model, String(z.size), String(z.batch), file],
          { env: { ...process.env, MEDFT_ACCELERATOR: accelerator } }).toString()) as
            { accelerator: string; loss: number; names: string[]; sizes: number[] };
          const buf = readFileSync(file);
          return { ...r, grads: new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4) };
        };
        const native = run('onednn');
        const wasm = run('none');
        assert.deepEqual([native.accelerator, wasm.accelerator], ['onednn', 'none']);
        assert.ok(Math.abs(native.loss - wasm.loss) <= 1e-4 * wasm.loss, `loss ${native.loss} vs ${wasm.loss}`);
        const relDiff = (a: Float32Array, b: Float32Array) => {
          let num = 0;
          let den = 0;
          for (let i = 0; i < b.length; i++) { num += (a[i] - b[i]) ** 2; den += b[i] ** 2; }
          return { rel: Math.sqrt(num / (den || 1e-30)), norm: Math.sqrt(den) };
        };
        const global = relDiff(native.grads, wasm.grads);
        assert.ok(global.rel <= z.global, `gradients differ by ${global.rel} overall`);
        let o = 0;
        const parts = wasm.sizes.map((n, i) => {
          const d = relDiff(native.grads.subarray(o, o + n), wasm.grads.subarray(o, o + n));
          o += n;
          return { name: wasm.names[i], ...d };
        });
        const largest = Math.max(...parts.map((p) => p.norm));
        for (const p of parts) {
          if (p.norm < 1e-6 * largest) continue; // rounding noise only
          assert.ok(p.rel <= 0.1, `${p.name}: gradient differs by ${p.rel}`);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
