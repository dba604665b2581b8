/**
 * The element-wise optimizer updates of src/train/optimizer.ts: one pass per variable over flat Float32Arrays (weights,
 * gradient and result are zero-copy views of the backend's memory; the moments are plain arrays). With the oneDNN addon
 * loaded they run natively on all cores (native/src/optimizer_update.cc); on wasm Adam runs in WebAssembly SIMD on the
 * heap (kernels/simd/heap-simd.wat; its float64 divide and square root bound it, so it gains little over the JS loop);
 * otherwise as the JS loops below. All compute in doubles in the same order, so they give the same bits. Constants are
 * hoisted out of the loop, which V8 runs markedly faster (figures: docs/engine.md#measurements-behind-the-code).
 */
import * as tf from '@tensorflow/tfjs-core';
import { simdAdam, type AdamArgs } from './kernels/simd/heap-simd.ts';
import type { WasmBackend } from './kernels/wasm-heap.ts';
import type { OneDnnAddon } from './native/onednn.ts';

/** Adam's per-step constants (defined next to the SIMD kernel that takes them). */
export type AdamConstants = AdamArgs;

let native: OneDnnAddon | null = null;

/** Called by initEngine: the addon when the accelerator is active, else null. */
export function setNativeOptimizerUpdates(addon: OneDnnAddon | null): void {
  native = addon;
}

/** m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; out = w − s·m / (√(v/c2) + ε) − decay·w */
export function adamUpdate(out: Float32Array, w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, c: AdamConstants): void {
  if (native) {
    native.adamUpdate(out, w, g, m, v, c.beta1, c.beta2, c.stepScale, c.invC2, c.epsilon, c.decay);
    return;
  }
  if (tf.getBackend() === 'wasm' && simdAdam(tf.backend() as unknown as WasmBackend, out, w, g, m, v, c)) return;
  const { beta1, beta2, stepScale, invC2, epsilon, decay } = c;
  const a = 1 - beta1;
  const b = 1 - beta2;
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const mi = beta1 * m[i] + a * gi;
    const vi = beta2 * v[i] + b * gi * gi;
    m[i] = mi;
    v[i] = vi;
    const wi = w[i];
    out[i] = wi - stepScale * mi / (Math.sqrt(vi * invC2) + epsilon) - decay * wi;
  }
}

/** PyTorch's SGD with momentum: m ← μ·m + g; out = w − lr·m */
export function sgdUpdate(out: Float32Array, w: Float32Array, g: Float32Array, m: Float32Array, momentum: number, lr: number): void {
  if (native) {
    native.sgdUpdate(out, w, g, m, momentum, lr);
    return;
  }
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const bi = momentum * m[i] + g[i];
    m[i] = bi;
    out[i] = w[i] - lr * bi;
  }
}
