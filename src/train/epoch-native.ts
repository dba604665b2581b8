/**
 * An epoch on the native whole-step engine (src/engine/whole-step/): the batches, schedule, penalty, clipping, Auto-RGN
 * probe and optimizer of trainOneEpoch's TF.js path, with each step run natively. The weights and the optimizer's
 * moments go into the engine at the epoch's start and come back at its end, so recalibration, validation,
 * checkpoints, early stopping and the saved model work on the TF.js model as before.
 */
import type { NativeStep, PenaltyRole } from '../engine/whole-step/index.ts';
import { TrainingError } from '../errors.ts';
import { probeRgnWith } from './auto-rgn.ts';
import { adoptRgnProbe, stepThroughEpoch, type EpochTraining } from './epoch-steps.ts';
import type { EpochInput, StepInput } from './epoch-input.ts';
import type { StartingPoint } from './penalty.ts';
import type { Phase } from './plan.ts';
import type { Run } from './run-setup.ts';
import type { TrainVar } from './variables.ts';

export async function trainOneEpochNatively(
  run: Run,
  epoch: { e: number; phase: Phase; epochInPhase: number; vars: TrainVar[]; w0: StartingPoint | null },
  input: EpochInput,
  engine: NativeStep,
): Promise<EpochTraining> {
  const { e, phase, vars, w0 } = epoch;
  const roles = penaltyRoles(vars, phase, w0);
  loadEngine(engine, run, vars, roles, w0);
  try {
    const queued: StepInput[] = [];
    if (phase.autoRgn) {
      // Probe on the epoch's first batches (which are then trained on as usual), reset Adam, set lr_i ∝ RGN_i.
      const keys = vars.map((v) => v.key);
      const probe = await probeRgnWith(input.batches, phase.autoRgn.probeBatches, keys, (b, p) => {
        stepOrThrow(engine, run, b, { lr: 0, update: false }, `epoch ${e + 1}, Auto-RGN probe ${p + 1}`);
        const norms = engine.norms();
        return new Map(keys.map((k) => { const n = norms.get(k)!; return [k, n.weight === 0 ? null : n.grad / n.weight]; }));
      });
      adoptRgnProbe(run, e, phase, vars, probe, queued);
      engine.resetOptimizer();
      engine.setTraining(multipliers(run, vars), roles);
    }

    const penalty = phase.penalty && w0 ? { kind: phase.penalty.kind, alpha: phase.penalty.alpha, beta: phase.penalty.beta } : null;
    return await stepThroughEpoch(run, epoch, input.batches, queued, (batch, lr, where) => {
      const r = stepOrThrow(engine, run, batch, { lr, penalty, clipNorm: run.config.clipNorm }, where);
      return { loss: r.loss, penalty: r.penalty };
    });
  } finally {
    unloadEngine(engine, run, vars);
  }
}

function stepOrThrow(engine: NativeStep, run: Run, b: StepInput, a: Parameters<NativeStep['step']>[3], where: string) {
  const r = engine.step(b.x, b.shape, b.y, { ...a, classWeights: run.classWeights });
  if (!Number.isFinite(r.loss)) throw new TrainingError(`the loss became ${r.loss} at ${where}; lower the learning rate (--lr) or clip gradients (--clip-norm)`);
  return r;
}

/** Each trained variable's multiplier, as the optimizer holds it (the phase's block LR, Auto-RGN's). */
function multipliers(run: Run, vars: TrainVar[]): Map<string, number> {
  return new Map(vars.map((v) => [v.key, run.optimizer.lrMultiplier(v.key)]));
}

/** What penalty.ts's applyPenalty adds to each variable's gradient: its rules, as roles. */
function penaltyRoles(vars: TrainVar[], phase: Phase, w0: StartingPoint | null): Map<string, PenaltyRole> {
  const roles = new Map<string, PenaltyRole>();
  if (!phase.penalty || !w0) return roles;
  for (const v of vars) {
    if (v.block === 'head') { if (v.headKernel) roles.set(v.key, 'head-kernel'); } else if (w0.values.has(v.key)) roles.set(v.key, 'starting-point');
  }
  return roles;
}

/** The model's weights, the optimizer's moments, the trainable set and the starting point, into the engine. */
function loadEngine(engine: NativeStep, run: Run, vars: TrainVar[], roles: Map<string, PenaltyRole>, w0: StartingPoint | null): void {
  engine.pushWeights();
  engine.resetOptimizer();
  for (const v of vars) {
    const slot = run.optimizer.slot(v.key);
    if (slot) engine.writeSlot(v.key, slot);
  }
  for (const [key, role] of roles) if (role === 'starting-point') engine.setStartingPoint(key, w0!.values.get(key)!);
  engine.setTraining(multipliers(run, vars), roles);
}

/** The engine's weights (BatchNorm's moving statistics included) and moments, back into the model and the optimizer. */
function unloadEngine(engine: NativeStep, run: Run, vars: TrainVar[]): void {
  engine.pullWeights();
  for (const v of vars) {
    const slot = engine.readSlot(v.key);
    if (slot.t > 0) run.optimizer.setSlot(v.key, slot);
  }
}
