/**
 * One epoch's work, step by step: enter the phase (its trainable variables, optimizer state, per-block LR), train
 * over the epoch's batches (after Auto-RGN's probe when the phase asks for it), and validate.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { TrainingError, UsageError } from '../errors.ts';
import { evaluateClassification } from '../eval/index.ts';
import { probeRgn } from './auto-rgn.ts';
import { clipGlobalNorm } from './clip.ts';
import type { EpochInput, StepInput } from './epoch-input.ts';
import { trainOneEpochNatively } from './epoch-native.ts';
import { adoptRgnProbe, stepThroughEpoch, type EpochTraining } from './epoch-steps.ts';
import type { FeatureCache } from './feature-cache.ts';
import type { ValMetrics } from './loop-types.ts';
import { applyPenalty, type StartingPoint } from './penalty.ts';
import type { Phase } from './plan.ts';
import { predictDataset } from './predict.ts';
import type { Run } from './run-setup.ts';
import { applyPhase, type TrainVar } from './variables.ts';

/** The phase's trainable variables, with the optimizer reset at the phase's start and its per-block LR set. */
export function enterPhase(run: Run, phase: Phase, epochInPhase: number): TrainVar[] {
  const { model, spec, plan, optimizer } = run;
  const vars = applyPhase(model, spec, phase);
  if (vars.length === 0) throw new UsageError(`phase '${phase.name}' of ${plan.strategy} has nothing to train`);
  if (epochInPhase === 0 && phase.resetOptimizer) optimizer.resetState();
  optimizer.clearLrMultipliers();
  for (const v of vars) optimizer.setLrMultiplier(v.key, phase.blockLr?.[v.block] ?? 1);
  return vars;
}

/** Data-loss gradients of the trainable variables, keyed by variable key; `net` is the model or the cache's suffix. */
function dataGradients(run: Run, vars: TrainVar[], b: StepInput, where: string, net: tfl.LayersModel): { loss: number; grads: Record<string, tf.Tensor> } {
  const { loss, grads: raw } = run.dataParallel.gradients({ net, variables: vars.map((v) => v.variable), batch: b, numClasses: run.k, classWeights: run.classWeights });
  if (!Number.isFinite(loss)) {
    tf.dispose(Object.values(raw));
    throw new TrainingError(`the loss became ${loss} at ${where}; lower the learning rate (--lr) or clip gradients (--clip-norm)`);
  }
  const grads: Record<string, tf.Tensor> = {};
  for (const v of vars) if (raw[v.variable.name]) grads[v.key] = raw[v.variable.name];
  return { loss, grads };
}


/**
 * Epoch e (0-based) of the run: forward, backward, penalty, clipping and an optimizer step per batch — in the native
 * whole-step engine when the run has one for this net (epoch-native.ts), else here on TF.js.
 */
export async function trainOneEpoch(
  run: Run,
  epoch: { e: number; phase: Phase; epochInPhase: number; vars: TrainVar[]; w0: StartingPoint | null },
  input: EpochInput,
): Promise<EpochTraining> {
  const engine = run.nativeSteps?.for(input.net);
  if (engine) return trainOneEpochNatively(run, epoch, input, engine);
  const { config, optimizer } = run;
  const { e, phase, vars, w0 } = epoch;
  const byKey = Object.fromEntries(vars.map((v) => [v.key, v.variable]));
  const queued: StepInput[] = [];
  if (phase.autoRgn) {
    // Probe on the epoch's first batches (which are then trained on as usual), reset Adam, set lr_i ∝ RGN_i.
    const probe = await probeRgn(input.batches, phase.autoRgn.probeBatches, vars,
      (b, p) => dataGradients(run, vars, b, `epoch ${e + 1}, Auto-RGN probe ${p + 1}`, input.net).grads);
    adoptRgnProbe(run, e, phase, vars, probe, queued);
  }

  return stepThroughEpoch(run, epoch, input.batches, queued, (batch, lr, where) => {
    const { loss, grads } = dataGradients(run, vars, batch, where, input.net);
    const penalty = phase.penalty && w0 ? applyPenalty(phase.penalty, vars, grads, w0) : 0;
    if (config.clipNorm > 0) clipGlobalNorm(grads, config.clipNorm);
    optimizer.step(grads, byKey, lr);
    tf.dispose(Object.values(grads));
    return { loss, penalty };
  });
}

/** Metrics on the validation split (null when it is empty); through the cache's suffix when there is one. */
export async function validate(run: Run, cache: FeatureCache | null): Promise<ValMetrics | null> {
  const { model, spec, config, dataset: ds, split, k } = run;
  if (split.val.length === 0) return null;
  const p = cache
    ? { labels: Int32Array.from(split.val, (i) => ds.labels[i]), probabilities: cache.probabilities(split.val, config.evalBatchSize, k) }
    : await predictDataset(model, ds, split.val, spec.preprocess, config.evalBatchSize);
  const r = evaluateClassification(p.labels, p.probabilities, k);
  return { loss: r.nll, accuracy: r.accuracy, balancedAccuracy: r.balancedAccuracy, macroF1: r.macroF1, auc: r.macroAuc };
}
