/**
 * Learning rate within a phase: optional linear warm-up, then constant, step decay or cosine annealing to 0 over the
 * phase's remaining steps. Every phase restarts the shape at its own base LR.
 */
import type { TrainConfig } from './config.ts';

export type ScheduleConfig = Pick<TrainConfig, 'schedule' | 'warmupEpochs' | 'stepEpochs' | 'stepGamma'>;

/** LR at step `step` (0-based) of a phase of `totalSteps` steps, `stepsPerEpoch` per epoch, base LR `lr`. */
export function lrAt(cfg: ScheduleConfig, lr: number, step: number, totalSteps: number, stepsPerEpoch: number): number {
  const warmup = Math.min(totalSteps, Math.round(cfg.warmupEpochs * stepsPerEpoch));
  if (step < warmup) return (lr * (step + 1)) / warmup;
  switch (cfg.schedule) {
    case 'constant':
      return lr;
    case 'step':
      return lr * cfg.stepGamma ** Math.floor(step / (cfg.stepEpochs * stepsPerEpoch));
    case 'cosine': {
      const span = totalSteps - warmup;
      return span <= 0 ? lr : 0.5 * lr * (1 + Math.cos((Math.PI * (step - warmup)) / span));
    }
  }
}
