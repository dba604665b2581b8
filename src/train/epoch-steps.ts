/**
 * What both step engines share within an epoch: the batches in order (the Auto-RGN probe's first), each one's
 * learning rate from the schedule, one step each, the progress event, and the epoch's mean loss and penalty; and what
 * an Auto-RGN probe changes.
 */
import type { RgnProbe } from './auto-rgn.ts';
import type { StepInput } from './epoch-input.ts';
import type { Phase } from './plan.ts';
import type { Run } from './run-setup.ts';
import { lrAt } from './schedule.ts';
import type { TrainVar } from './variables.ts';

export interface EpochTraining {
  lrStart: number;
  lrEnd: number;
  /** Mean data loss over the epoch's images. */
  trainLoss: number;
  /** Mean penalty over the epoch's images (SP strategies), else null. */
  penalty: number | null;
  images: number;
}

/** One step: the data loss and the penalty's value for this batch; `where` names it in error messages. */
export type Step = (batch: StepInput, lr: number, where: string) => { loss: number; penalty: number };

export async function stepThroughEpoch(
  run: Run,
  epoch: { e: number; phase: Phase; epochInPhase: number },
  batches: AsyncIterator<StepInput>,
  queued: StepInput[],
  step: Step,
): Promise<EpochTraining> {
  const { config, stepsPerEpoch, events } = run;
  const { e, phase, epochInPhase } = epoch;
  let lossSum = 0;
  let penSum = 0;
  let images = 0;
  let b = 0;
  let lrStart = Number.NaN;
  let lr = Number.NaN;
  const stepsInPhase = phase.epochs * stepsPerEpoch;
  for (;;) {
    let batch: StepInput;
    if (queued.length) batch = queued.shift()!;
    else {
      const r = await batches.next();
      if (r.done) break;
      batch = r.value;
    }
    lr = lrAt(config, phase.lr, epochInPhase * stepsPerEpoch + b, stepsInPhase, stepsPerEpoch);
    if (b === 0) lrStart = lr;
    const { loss, penalty } = step(batch, lr, `epoch ${e + 1}, batch ${b + 1} (lr ${lr.toExponential(2)})`);
    const n = batch.indices.length;
    lossSum += loss * n;
    penSum += penalty * n;
    images += n;
    b++;
    events?.onBatch?.({ epoch: e + 1, batch: b, batches: stepsPerEpoch, loss, lr });
  }
  return {
    lrStart, lrEnd: lr, trainLoss: lossSum / Math.max(1, images),
    penalty: phase.penalty ? penSum / Math.max(1, images) : null, images,
  };
}

/**
 * After Auto-RGN's probe: its batches queued to be trained on as usual, the optimizer's state reset, each variable's
 * LR multiplier its block's times its RGN share, and the probe reported.
 */
export function adoptRgnProbe(run: Run, e: number, phase: Phase, vars: TrainVar[], probe: RgnProbe<StepInput>, queued: StepInput[]): void {
  queued.push(...probe.probed);
  run.optimizer.resetState();
  for (const v of vars) run.optimizer.setLrMultiplier(v.key, (phase.blockLr?.[v.block] ?? 1) * probe.multipliers.get(v.key)!);
  run.events?.onRgn?.({ epoch: e + 1, multipliers: probe.multipliers, rgn: probe.rgn });
}
