/**
 * The native whole-step engine (native/src/step/): a TF.js model's train step — forward, softmax cross-entropy,
 * backward, starting-point penalty, clipping, optimizer update — run by the oneDNN addon on tensors it owns. The TF.js
 * model stays the definition: the graph is read off it (graph.ts), weights are copied in when a phase starts and out
 * when the loop evaluates, checkpoints or saves. The strategy arrives as data: each weight's learning-rate multiplier
 * (0 freezes it; a BatchNorm whose γ trains normalises with batch statistics, else with its moving ones) and penalty
 * role.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { floatsOf, tensorFromFill } from '../tensor-io.ts';
import type { GraphSpec } from './graph-spec.ts';

/** What a weight's gradient gets added before clipping: nothing, α-pull towards its starting point, or βw (head kernels). */
export type PenaltyRole = 'none' | 'starting-point' | 'head-kernel';
const ROLE_CODE: Record<PenaltyRole, number> = { none: 0, 'starting-point': 1, 'head-kernel': 2 };

export interface NativeOptimizer {
  kind: 'adam' | 'adamw' | 'sgd';
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  momentum: number;
}

export interface NativeStepArgs {
  lr: number;
  /** false: gradients only, no update (Auto-RGN's probe). */
  update?: boolean;
  penalty?: { kind: 'l2-sp' | 'l1-sp'; alpha: number; beta: number } | null;
  clipNorm?: number;
  classWeights?: readonly number[];
}

export interface NativeStepResult {
  loss: number;
  /** The penalty's value (0 without one). */
  penalty: number;
  /** Global gradient norm after the penalty, before clipping; 0 unless clipping. */
  gradNorm: number;
}

/** A weight's buffers: value, last gradient, optimizer moments, penalties' starting point. */
type WeightBuffer = 'w' | 'g' | 'm' | 'v' | '0';

/** The addon's class (native/src/step/step_binding.cc). */
export interface WholeStepHandle {
  read(weight: number, out: Float32Array, which?: WeightBuffer): void;
  write(weight: number, values: Float32Array, which?: WeightBuffer): void;
  stepCount(weight: number): number;
  setStepCount(weight: number, t: number): void;
  setTraining(multipliers: Float64Array, roles: Int32Array): void;
  resetOptimizer(): void;
  step(x: Float32Array, n: number, labels: Int32Array, classWeights: Float32Array | null,
    args: { lr: number; update: boolean; penalty: string; alpha: number; beta: number; clipNorm: number }): NativeStepResult;
  norms(): Float64Array;
  setProfiling(on: boolean): void;
  takeTimes(): Record<string, number>;
  describe(): string;
  dispose(): void;
}
export type WholeStepClass = new (graph: GraphSpec, optimizer: NativeOptimizer, options: { winograd: boolean }) => WholeStepHandle;

export class NativeStep {
  private readonly variables: tf.Variable[];
  private readonly index: Map<string, number>;

  constructor(readonly graph: GraphSpec, private readonly handle: WholeStepHandle, model: tfl.LayersModel) {
    const byName = new Map(model.weights.map((w) => [w.originalName, w.read() as tf.Variable]));
    this.variables = graph.weights.map((w) => {
      const v = byName.get(w.name);
      if (!v) throw new Error(`the graph's weight ${w.name} is not in the model`);
      return v;
    });
    this.index = new Map(graph.weights.map((w, i) => [w.name, i]));
  }

  /** Copies every weight (BatchNorm statistics included) from the TF.js model into the engine. */
  pushWeights(): void {
    // The engine copies the values before returning, so the view of the backend's memory is enough.
    this.variables.forEach((v, i) => this.handle.write(i, floatsOf(v)));
  }

  /** Copies every weight from the engine into the TF.js model's variables. */
  pullWeights(): void {
    this.variables.forEach((v, i) => {
      const next = tensorFromFill(v.shape, (out) => this.handle.read(i, out));
      v.assign(next);
      next.dispose();
    });
  }

  /**
   * Which weights train: `multipliers` by name (absent or 0: frozen), and each trained weight's penalty role.
   * BatchNorm follows its γ: batch statistics while γ trains, the moving statistics while frozen.
   */
  setTraining(multipliers: ReadonlyMap<string, number>, roles: ReadonlyMap<string, PenaltyRole> = new Map()): void {
    const m = new Float64Array(this.graph.weights.length);
    const r = new Int32Array(this.graph.weights.length);
    for (const [name, x] of multipliers) m[this.at(name)] = x;
    for (const [name, role] of roles) r[this.at(name)] = ROLE_CODE[role];
    this.handle.setTraining(m, r);
  }

  resetOptimizer(): void {
    this.handle.resetOptimizer();
  }

  /** The starting point w⁰ that L2-SP / L1-SP pull a 'starting-point' weight towards. */
  setStartingPoint(name: string, values: Float32Array): void {
    this.handle.write(this.at(name), values, '0');
  }

  /** One step on a batch of NHWC images (`shape` [n, h, w, c]) and labels. */
  step(x: Float32Array, shape: readonly number[], labels: Int32Array, a: NativeStepArgs): NativeStepResult {
    return this.handle.step(x, shape[0], labels, a.classWeights ? Float32Array.from(a.classWeights) : null, {
      lr: a.lr, update: a.update ?? true, penalty: a.penalty?.kind ?? 'none', alpha: a.penalty?.alpha ?? 0,
      beta: a.penalty?.beta ?? 0, clipNorm: a.clipNorm ?? 0,
    });
  }

  /** The last step's gradient of one weight, in TF.js's layout. */
  gradient(name: string): Float32Array {
    const i = this.at(name);
    const out = new Float32Array(this.variables[i].size);
    this.handle.read(i, out, 'g');
    return out;
  }

  /** ‖g‖ of the last step (0 for a frozen weight) and ‖w‖, by name. */
  norms(): Map<string, { grad: number; weight: number }> {
    const n = this.handle.norms();
    return new Map(this.graph.weights.map((w, i) => [w.name, { grad: n[2 * i], weight: n[2 * i + 1] }]));
  }

  /** The optimizer's moments and step count of one weight, in TF.js's layout (zeros before its first update). */
  readSlot(name: string): { m: Float32Array; v: Float32Array; t: number } {
    const i = this.at(name);
    const m = new Float32Array(this.variables[i].size);
    const v = new Float32Array(this.variables[i].size);
    this.handle.read(i, m, 'm');
    this.handle.read(i, v, 'v');
    return { m, v, t: this.handle.stepCount(i) };
  }

  writeSlot(name: string, slot: { m: Float32Array; v?: Float32Array; t: number }): void {
    const i = this.at(name);
    this.handle.write(i, slot.m, 'm');
    if (slot.v) this.handle.write(i, slot.v, 'v');
    this.handle.setStepCount(i, slot.t);
  }

  setProfiling(on: boolean): void {
    this.handle.setProfiling(on);
  }

  /** Milliseconds by op kind ("conv fwd", "batchnorm bwd", "optimizer", …) since the last call, while profiling. */
  takeTimes(): Record<string, number> {
    return this.handle.takeTimes();
  }

  /** The oneDNN implementation behind each op, one line per layer (after the first step). */
  describe(): string {
    return this.handle.describe();
  }

  dispose(): void {
    this.handle.dispose();
  }

  private at(name: string): number {
    const i = this.index.get(name);
    if (i == null) throw new Error(`the native engine has no weight ${name}`);
    return i;
  }
}
