import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/backend.ts';
import { engineFromEnv } from '../../src/settings.ts';
import '@tensorflow/tfjs-backend-cpu';

/**
 * Initialises wasm (with medft's kernels; the accelerator as MEDFT_ACCELERATOR says, read here as the CLI would) and
 * leaves the cpu backend registered for reference computations.
 */
export async function useWasm(): Promise<void> {
  await initEngine(wasmSettings());
}

/** The wasm engine with the environment's accelerator settings: tests are an edge, like the CLI. */
export const wasmSettings = () => ({ ...engineFromEnv(), backend: 'wasm' as const });

/** Runs fn on the given backend and returns its result as plain numbers, then switches back. */
export async function onBackend<T>(name: 'cpu' | 'wasm', fn: () => T): Promise<T> {
  const before = tf.getBackend();
  await tf.setBackend(name);
  try {
    return fn();
  } finally {
    await tf.setBackend(before);
  }
}

export { maxRelErr } from '../../src/bench/compare.ts';

/** Deterministic values in [-1, 1) (a small LCG), so failures reproduce. */
export function randomValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}
