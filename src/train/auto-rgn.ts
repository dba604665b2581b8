/**
 * Auto-RGN's per-tensor learning rates (Lee et al. 2023): RGN_i = ‖g_i‖/‖w_i‖, averaged over the probe batches, and
 * multiplier_i = RGN_i / max_j RGN_j. A tensor whose norm is 0 (a freshly zero-initialised bias) has no relative
 * gradient norm: it keeps multiplier 1 and is left out of the max.
 */
import * as tf from '@tensorflow/tfjs-core';
import { floatsOf } from '../engine/index.ts';
import type { TrainVar } from './variables.ts';

export function l2norm(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** ‖g‖/‖w‖, or null when ‖w‖ = 0. */
export function relativeGradNorm(g: Float32Array, w: Float32Array): number | null {
  const wn = l2norm(w);
  return wn === 0 ? null : l2norm(g) / wn;
}

/** From each tensor's RGN per probe batch to its LR multiplier. */
export function rgnMultipliers(rgnPerBatch: Map<string, (number | null)[]>): Map<string, number> {
  const mean = new Map<string, number | null>();
  for (const [k, xs] of rgnPerBatch) mean.set(k, xs.some((x) => x == null) || xs.length === 0 ? null : xs.reduce((a, b) => a! + b!, 0)! / xs.length);
  let max = 0;
  for (const v of mean.values()) if (v != null && v > max) max = v;
  const out = new Map<string, number>();
  for (const [k, v] of mean) out.set(k, v == null || max === 0 ? 1 : v / max);
  return out;
}

export interface RgnProbe<B> {
  /** Each tensor's RGN per probe batch (0 for a tensor the loss does not reach). */
  rgn: Map<string, (number | null)[]>;
  multipliers: Map<string, number>;
  /** The batches probed, in order: the epoch trains on them as usual. */
  probed: B[];
}

/**
 * Auto-RGN's probe: the data-loss gradients of the first `count` batches of `batches` (fewer when the epoch is
 * shorter), each tensor's RGN on each, and the multipliers from them. No optimizer step: the variables keep their
 * values.
 */
export async function probeRgn<B>(
  batches: AsyncIterator<B>,
  count: number,
  vars: readonly Pick<TrainVar, 'key' | 'variable'>[],
  gradientsOf: (batch: B, probe: number) => Record<string, tf.Tensor>,
): Promise<RgnProbe<B>> {
  return probeRgnWith(batches, count, vars.map((v) => v.key), (b, p) => {
    const grads = gradientsOf(b, p);
    const out = new Map(vars.map((v) => [v.key, grads[v.key] ? relativeGradNorm(floatsOf(grads[v.key]), floatsOf(v.variable)) : 0]));
    tf.dispose(Object.values(grads));
    return out;
  });
}

/** The probe over any engine: `rgnOf` gives each key's RGN on one batch (null where ‖w‖ = 0). */
export async function probeRgnWith<B>(
  batches: AsyncIterator<B>,
  count: number,
  keys: readonly string[],
  rgnOf: (batch: B, probe: number) => Map<string, number | null>,
): Promise<RgnProbe<B>> {
  const rgn = new Map<string, (number | null)[]>(keys.map((k) => [k, []]));
  const probed: B[] = [];
  for (let p = 0; p < count; p++) {
    const r = await batches.next();
    if (r.done) break;
    probed.push(r.value);
    const values = rgnOf(r.value, p);
    for (const k of keys) rgn.get(k)!.push(values.has(k) ? values.get(k)! : 0);
  }
  return { rgn, multipliers: rgnMultipliers(rgn), probed };
}
