/**
 * Early stopping per phase: the best monitored value of the run so far, and how many epochs of the current phase
 * have gone by without beating it. When patience runs out the rest of the phase is skipped (never its last epoch,
 * which ends the phase anyway); the next phase starts with its patience afresh. The caller owns the epoch counter;
 * state()/load() carry the counters through a checkpoint.
 */
import { monitorMaximises, type Monitor } from './config.ts';
import type { ValMetrics } from './loop-types.ts';

/** What a checkpoint keeps of early stopping (the field names are those of checkpoints already written). */
export interface EarlyStoppingState {
  best: { epoch: number; value: number } | null;
  badEpochs: number;
  /** Phases whose patience ran out, by index in the plan. */
  endedPhases: number[];
}

export interface EarlyStoppingVerdict {
  /** The value beat every earlier one (a non-finite value never does). */
  best: boolean;
  /** Patience ran out: skip the rest of this phase. */
  stopPhase: boolean;
}

export function monitorValue(m: Monitor, v: ValMetrics): number {
  switch (m) {
    case 'val_loss': return v.loss;
    case 'val_accuracy': return v.accuracy;
    case 'val_balanced_accuracy': return v.balancedAccuracy;
    case 'val_macro_f1': return v.macroF1;
    case 'val_auc': return v.auc ?? Number.NaN;
  }
}

export class EarlyStopping {
  private readonly maximise: boolean;
  private current: EarlyStoppingState = { best: null, badEpochs: 0, endedPhases: [] };

  /** patience 0: never stop early (the best epoch is still tracked). */
  constructor(private readonly rule: { monitor: Monitor; patience: number }) {
    this.maximise = monitorMaximises(rule.monitor);
  }

  get best(): EarlyStoppingState['best'] {
    return this.current.best;
  }

  phaseEnded(phaseIndex: number): boolean {
    return this.current.endedPhases.includes(phaseIndex);
  }

  /** A phase begins: its epochs without improvement count from zero. */
  startPhase(): void {
    this.current.badEpochs = 0;
  }

  /** The monitored value of `epoch` (1-based over the run); null (no validation split) changes nothing. */
  observe(epoch: number, value: number | null, phase: { index: number; lastEpoch: boolean }): EarlyStoppingVerdict {
    if (value == null) return { best: false, stopPhase: false };
    const s = this.current;
    if (Number.isFinite(value) && (s.best == null || (this.maximise ? value > s.best.value : value < s.best.value))) {
      s.best = { epoch, value };
      s.badEpochs = 0;
      return { best: true, stopPhase: false };
    }
    s.badEpochs++;
    const stopPhase = this.rule.patience > 0 && s.badEpochs >= this.rule.patience && !phase.lastEpoch;
    if (stopPhase) s.endedPhases.push(phase.index);
    return { best: false, stopPhase };
  }

  state(): EarlyStoppingState {
    const s = this.current;
    return { best: s.best && { ...s.best }, badEpochs: s.badEpochs, endedPhases: [...s.endedPhases] };
  }

  load(s: EarlyStoppingState): void {
    this.current = { best: s.best && { ...s.best }, badEpochs: s.badEpochs, endedPhases: [...s.endedPhases] };
  }
}
