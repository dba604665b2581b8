/**
 * Starting-point penalties (Li et al. 2018), added to the data loss's gradient in one JS pass per tensor:
 *   L2-SP  (α/2)‖w − w⁰‖² over trainable backbone tensors  → gradient α(w − w⁰)
 *   L1-SP  α‖w − w⁰‖₁                                        → subgradient α·sign(w − w⁰) (0 at w = w⁰)
 *   both   (β/2)‖w‖² over the head's kernels                 → gradient βw
 * w⁰ is the backbone at the start of the penalised phase (the pretrained weights), kept outside the wasm heap.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { floatsOf, tensorFromFill } from '../engine/index.ts';
import type { PenaltySpec } from './plan.ts';
import type { TrainVar } from './variables.ts';

/** Value of one tensor's term; with `g`/`out`, also writes g + its gradient into `out`. */
export function penaltyTerm(kind: PenaltySpec['kind'] | 'head-l2', coef: number, w: Float32Array, w0: Float32Array | null, g?: Float32Array, out?: Float32Array): number {
  let value = 0;
  const n = w.length;
  for (let i = 0; i < n; i++) {
    const d = kind === 'head-l2' ? w[i] : w[i] - w0![i];
    let dg: number;
    if (kind === 'l1-sp') {
      value += Math.abs(d);
      dg = d > 0 ? coef : d < 0 ? -coef : 0;
    } else {
      value += d * d;
      dg = coef * d;
    }
    if (out) out[i] = g![i] + dg;
  }
  return kind === 'l1-sp' ? coef * value : 0.5 * coef * value;
}

export class StartingPoint {
  readonly values = new Map<string, Float32Array>();

  /** Copies the current values of the penalised (backbone) tensors. */
  static capture(vars: TrainVar[]): StartingPoint {
    const sp = new StartingPoint();
    for (const v of vars) if (v.block !== 'head') sp.values.set(v.key, Float32Array.from(floatsOf(v.variable)));
    return sp;
  }
}

/**
 * Adds the penalty's gradient to `grads` (replacing each touched tensor; the old one is disposed) and returns the
 * penalty's value. Backbone tensors missing from w⁰ (not trainable when it was captured) are not penalised.
 */
export function applyPenalty(spec: PenaltySpec, vars: TrainVar[], grads: Record<string, tf.Tensor>, w0: StartingPoint): number {
  let total = 0;
  for (const v of vars) {
    const g = grads[v.key];
    if (!g) continue;
    let kind: PenaltySpec['kind'] | 'head-l2';
    let coef: number;
    let start: Float32Array | null = null;
    if (v.block === 'head') {
      if (!v.headKernel || spec.beta === 0) continue;
      kind = 'head-l2';
      coef = spec.beta;
    } else {
      start = w0.values.get(v.key) ?? null;
      if (!start || spec.alpha === 0) continue;
      kind = spec.kind;
      coef = spec.alpha;
    }
    const next = tensorFromFill(g.shape, (out) => {
      total += penaltyTerm(kind, coef, floatsOf(v.variable), start, floatsOf(g), out);
    });
    g.dispose();
    grads[v.key] = next;
  }
  return total;
}
