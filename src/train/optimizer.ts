/**
 * Adam, AdamW and SGD with momentum, with a learning-rate multiplier per variable that lives in the optimizer.
 * (Scaling a gradient does not scale an Adam step — Adam normalises it away — so per-layer learning rates must be
 * applied to the update itself, as here.) Updates run as one pass per variable over zero-copy views
 * (src/engine/optimizer-update.ts: native with the oneDNN addon, else JS): on wasm ~10 TF.js ops per variable become
 * one pass, and the moment buffers live outside the 4 GiB wasm heap.
 * Each update writes the new weights into a new tensor: XNNPACK caches packed weights by tensor identity, so an
 * in-place update would leave stale packed copies behind.
 */
import * as tf from '@tensorflow/tfjs-core';
import { adamUpdate, floatsOf, sgdUpdate, tensorFromFill } from '../engine/index.ts';

export interface OptimizerConfig {
  kind: 'adam' | 'adamw' | 'sgd';
  /** Base learning rate; the schedule may change it per step through `step(grads, lr)`. */
  lr: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** AdamW's decoupled weight decay (fraction of the weight per unit of learning rate). */
  weightDecay?: number;
  /** SGD momentum (PyTorch convention: buf = μ·buf + g; w −= lr·buf). */
  momentum?: number;
}

export interface OptimizerState {
  kind: OptimizerConfig['kind'];
  slots: Record<string, { m: Float32Array; v?: Float32Array; t: number }>;
  multipliers: Record<string, number>;
}

interface Slot {
  m: Float32Array;
  v?: Float32Array;
  t: number;
}

export class Optimizer {
  readonly config: Required<OptimizerConfig>;
  private readonly slots = new Map<string, Slot>();
  private readonly multipliers = new Map<string, number>();

  constructor(config: OptimizerConfig) {
    this.config = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: config.kind === 'adamw' ? 0.01 : 0, momentum: 0.9, ...config };
  }

  /** Learning-rate multiplier of one variable (by name); 0 freezes it, 1 is the default. */
  setLrMultiplier(variableName: string, multiplier: number): void {
    this.multipliers.set(variableName, multiplier);
  }

  lrMultiplier(variableName: string): number {
    return this.multipliers.get(variableName) ?? 1;
  }

  /** Back to multiplier 1 for every variable. */
  clearLrMultipliers(): void {
    this.multipliers.clear();
  }

  /** Forget moments and step counts (Auto-RGN resets Adam's state every epoch; phases may too). */
  resetState(): void {
    this.slots.clear();
  }

  /** One variable's moments and step count (the live buffers), or undefined before its first update. */
  slot(name: string): Readonly<Slot> | undefined {
    return this.slots.get(name);
  }

  /** Replaces one variable's moments and step count (the native engine's, after it trained an epoch). */
  setSlot(name: string, slot: { m: Float32Array; v?: Float32Array; t: number }): void {
    this.slots.set(name, { m: slot.m, v: this.config.kind === 'sgd' ? undefined : slot.v, t: slot.t });
  }

  /** Moments, step counts and multipliers as plain arrays, for checkpoints (the arrays are the live buffers). */
  exportState(): OptimizerState {
    const slots: OptimizerState['slots'] = {};
    for (const [name, s] of this.slots) slots[name] = { m: s.m, v: s.v, t: s.t };
    return { kind: this.config.kind, slots, multipliers: Object.fromEntries(this.multipliers) };
  }

  /** Replaces the whole state with a checkpoint's (copies the arrays). */
  importState(state: OptimizerState): void {
    if (state.kind !== this.config.kind) throw new Error(`optimizer state is for ${state.kind}, not ${this.config.kind}`);
    this.slots.clear();
    for (const [name, s] of Object.entries(state.slots)) {
      this.slots.set(name, { m: Float32Array.from(s.m), v: s.v ? Float32Array.from(s.v) : undefined, t: s.t });
    }
    this.multipliers.clear();
    for (const [name, m] of Object.entries(state.multipliers)) this.multipliers.set(name, m);
  }

  /** One update of every variable that has a gradient, at learning rate `lr` (default: the configured one). */
  step(grads: Record<string, tf.Tensor>, variables: Record<string, tf.Variable>, lr = this.config.lr): void {
    for (const [name, grad] of Object.entries(grads)) {
      const variable = variables[name];
      if (!variable) throw new Error(`gradient for unknown variable '${name}'`);
      const rate = lr * this.lrMultiplier(name);
      if (rate === 0) continue;
      const slot = this.slotFor(name, variable.size);
      slot.t++;
      const next = tensorFromFill(variable.shape, (out) => this.update(out, floatsOf(variable), floatsOf(grad), slot, rate));
      variable.assign(next);
      next.dispose();
    }
  }

  private slotFor(name: string, size: number): Slot {
    let slot = this.slots.get(name);
    if (!slot) {
      slot = { m: new Float32Array(size), v: this.config.kind === 'sgd' ? undefined : new Float32Array(size), t: 0 };
      this.slots.set(name, slot);
    }
    return slot;
  }

  private update(out: Float32Array, w: Float32Array, g: Float32Array, slot: Slot, rate: number): void {
    const { beta1, beta2, epsilon, weightDecay, momentum, kind } = this.config;
    if (kind === 'sgd') {
      sgdUpdate(out, w, g, slot.m, momentum, rate);
      return;
    }
    adamUpdate(out, w, g, slot.m, slot.v!, {
      beta1, beta2, epsilon,
      stepScale: rate / (1 - beta1 ** slot.t),
      invC2: 1 / (1 - beta2 ** slot.t),
      decay: kind === 'adamw' ? rate * weightDecay : 0,
    });
  }
}
