/**
 * The element-wise optimizer updates (src/engine/optimizer-update.ts): the JS loops against the textbook formulas
 * computed independently, and the native ones (oneDNN addon) bit-identical to the JS loops. The native part skips,
 * saying why, when the addon is not built or MEDFT_ACCELERATOR=none.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tryLoadOneDnn } from '../../src/engine/native/onednn.ts';
import { adamUpdate, setNativeOptimizerUpdates, sgdUpdate, type AdamConstants } from '../../src/engine/optimizer-update.ts';

function random(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s / 2 ** 32) * 2 - 1) * scale;
  });
}

const constants = (lr: number, t: number, wd = 0): AdamConstants => ({
  beta1: 0.9, beta2: 0.999, epsilon: 1e-7, stepScale: lr / (1 - 0.9 ** t), invC2: 1 / (1 - 0.999 ** t), decay: lr * wd,
});

describe('JS optimizer updates against the textbook formulas', () => {
  it('Adam and AdamW over 3 steps: m, v and w as Kingma & Ba (and Loshchilov & Hutter) write them', () => {
    for (const wd of [0, 0.01]) {
      const n = 1001;
      const w = random(n, 1);
      const m = new Float32Array(n);
      const v = new Float32Array(n);
      const ref = { w: Array.from(w), m: new Array<number>(n).fill(0), v: new Array<number>(n).fill(0) };
      let cur = w;
      for (let t = 1; t <= 3; t++) {
        const g = random(n, 10 + t, 0.1);
        const out = new Float32Array(n);
        adamUpdate(out, cur, g, m, v, constants(1e-2, t, wd));
        for (let i = 0; i < n; i++) {
          ref.m[i] = 0.9 * ref.m[i] + 0.1 * g[i];
          ref.v[i] = 0.999 * ref.v[i] + 0.001 * g[i] ** 2;
          const mHat = ref.m[i] / (1 - 0.9 ** t);
          const vHat = ref.v[i] / (1 - 0.999 ** t);
          ref.w[i] = ref.w[i] - 1e-2 * mHat / (Math.sqrt(vHat) + 1e-7) - 1e-2 * wd * ref.w[i];
        }
        cur = out;
      }
      for (let i = 0; i < n; i++) {
        assert.ok(Math.abs(cur[i] - ref.w[i]) <= 1e-6 * Math.max(1, Math.abs(ref.w[i])), `w[${i}] ${cur[i]} vs ${ref.w[i]} (wd ${wd})`);
        assert.ok(Math.abs(m[i] - ref.m[i]) <= 1e-6 * Math.abs(ref.m[i]) + 1e-9, `m[${i}]`);
        assert.ok(Math.abs(v[i] - ref.v[i]) <= 1e-6 * Math.abs(ref.v[i]) + 1e-12, `v[${i}]`);
      }
    }
  });

  it('SGD with momentum: buf = μ·buf + g, w −= lr·buf', () => {
    const n = 513;
    const w = random(n, 2);
    const m = random(n, 3, 0.01);
    const g = random(n, 4, 0.1);
    const out = new Float32Array(n);
    const m0 = Array.from(m);
    sgdUpdate(out, w, g, m, 0.9, 0.05);
    for (let i = 0; i < n; i++) {
      const b = 0.9 * m0[i] + g[i];
      assert.ok(Math.abs(m[i] - b) <= 1e-7 * Math.max(1, Math.abs(b)));
      assert.ok(Math.abs(out[i] - (w[i] - 0.05 * b)) <= 1e-7 * Math.max(1, Math.abs(w[i])));
    }
  });
});

const { addon, reason } = tryLoadOneDnn();
const skip = process.env.MEDFT_ACCELERATOR === 'none'
  ? 'MEDFT_ACCELERATOR=none: native kernels switched off'
  : addon ? false : `native oneDNN addon absent: ${reason}`;
if (skip) console.log(`# native optimizer update tests skipped: ${skip}`);

describe('native optimizer updates equal the JS loops bit for bit', { skip }, () => {
  /** Runs `step` once with the JS loops and once natively on copies of the same arrays. */
  function both(arrays: Float32Array[], step: (a: Float32Array[]) => void): [Float32Array[], Float32Array[]] {
    const js = arrays.map((a) => a.slice());
    const nat = arrays.map((a) => a.slice());
    setNativeOptimizerUpdates(null);
    step(js);
    setNativeOptimizerUpdates(addon);
    try {
      step(nat);
    } finally {
      setNativeOptimizerUpdates(null);
    }
    return [js, nat];
  }

  it('Adam and AdamW, 3 steps on odd lengths (on one thread below 65,536 weights; above, threads split it unevenly)', () => {
    for (const [n, wd] of [[1_001, 0], [100_003, 0], [100_003, 0.01]]) {
      const start = [random(n, 5), new Float32Array(n), new Float32Array(n)]; // w, m, v
      const [js, nat] = both(start, (a) => {
        for (let t = 1; t <= 3; t++) {
          const out = new Float32Array(n);
          adamUpdate(out, a[0], random(n, 20 + t, 0.1), a[1], a[2], constants(3e-4, t, wd));
          a[0] = out;
        }
      });
      for (let k = 0; k < 3; k++) assert.deepEqual(nat[k], js[k], `${['w', 'm', 'v'][k]} differs (n ${n}, wd ${wd})`);
    }
  });

  it('SGD with momentum (one thread and all threads)', () => {
    for (const n of [777, 77_777]) {
      const g = random(n, 7, 0.1);
      const [js, nat] = both([random(n, 6), random(n, 8, 0.01), new Float32Array(n)], (a) => sgdUpdate(a[2], a[0], g, a[1], 0.9, 0.05));
      assert.deepEqual(nat[1], js[1], `m differs (n ${n})`);
      assert.deepEqual(nat[2], js[2], `w differs (n ${n})`);
    }
  });

  it('refuses arrays of different lengths and non-Float32Arrays with a clear error', () => {
    const a = new Float32Array(4);
    assert.throws(() => addon!.adamUpdate(a, a, a, a, new Float32Array(3), 0.9, 0.999, 1, 1, 1e-7, 0), /arrays differ in length/);
    assert.throws(() => addon!.sgdUpdate(a, a, new Float64Array(4) as unknown as Float32Array, a, 0.9, 0.1), /g must be a Float32Array/);
  });
});
