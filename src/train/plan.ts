/**
 * What the loop carries out: a strategy's plan as plain data (no tensors). Strategies (src/strategies) build it over
 * the model's blocks; the loop (./loop.ts) turns each phase into trainable flags, per-variable LR multipliers,
 * penalties and optimizer resets. It lives in train/ because imports flow downward (strategies → train).
 */

/** How BatchNorm layers behave during a phase. */
export type BnPolicy =
  /** BN layers in training blocks use batch statistics and update moving statistics; frozen blocks' BN runs in inference mode. */
  | 'follow'
  /** Every BN layer runs in inference mode and its γ/β do not train (Auto-RGN's reference freezes BN this way). */
  | 'eval';

export interface PenaltySpec {
  /** `l2-sp`: (α/2)‖w − w⁰‖²; `l1-sp`: α‖w − w⁰‖₁ — over trainable backbone tensors; both add (β/2)‖w_head‖². */
  kind: 'l2-sp' | 'l1-sp';
  alpha: number;
  beta: number;
}

export interface AutoRgnSpec {
  /** Batches whose gradients are averaged into each tensor's relative gradient norm at each epoch start. */
  probeBatches: number;
}

export interface Phase {
  /** Short label shown in progress lines and curves (e.g. `lp`, `ft`, `unfreeze 2`). */
  name: string;
  epochs: number;
  /** Base learning rate of the phase (the schedule shapes it within the phase). */
  lr: number;
  /** Blocks whose variables train during the phase; every other block is frozen (trainable = false). */
  trainBlocks: string[];
  /** LR multiplier per block (missing: 1). */
  blockLr?: Record<string, number>;
  /** Forget the optimizer's moments at the start of the phase. */
  resetOptimizer: boolean;
  bn: BnPolicy;
  /** false: no augmentation in this phase even when the run has it on (LP phases: fixed features, feature cache). */
  augment?: boolean;
  penalty?: PenaltySpec;
  autoRgn?: AutoRgnSpec;
}

export interface TrainPlan {
  /** Strategy id (`lp-ft`, `surgical:conv3_x`, …) and its resolved hyper-parameters, recorded with the result. */
  strategy: string;
  params: Record<string, unknown>;
  phases: Phase[];
}

export function planEpochs(plan: TrainPlan): number {
  return plan.phases.reduce((s, p) => s + p.epochs, 0);
}

/** The phase that epoch `e` (0-based, over the whole plan) belongs to, and its epoch within that phase. */
export function phaseAt(plan: TrainPlan, e: number): { phase: Phase; index: number; epochInPhase: number } {
  let start = 0;
  for (let i = 0; i < plan.phases.length; i++) {
    const p = plan.phases[i];
    if (e < start + p.epochs) return { phase: p, index: i, epochInPhase: e - start };
    start += p.epochs;
  }
  throw new RangeError(`epoch ${e} is past the plan's ${start} epochs`);
}
