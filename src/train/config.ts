/**
 * The loop's hyper-parameters (everything but the strategy's own): one zod schema with one default each, resolved
 * once and recorded with every result.
 */
import { z } from 'zod';
import { UsageError } from '../errors.ts';

export const MONITORS = ['val_loss', 'val_accuracy', 'val_balanced_accuracy', 'val_auc', 'val_macro_f1'] as const;
export type Monitor = (typeof MONITORS)[number];

/** Images of the recalibration sample by default (docs/training.md: its stability and its cost). */
export const DEFAULT_BN_RECALIBRATION = 256;

export const trainConfigSchema = z.object({
  batchSize: z.coerce.number().int().positive().default(16),
  evalBatchSize: z.coerce.number().int().positive().default(64),
  optimizer: z.enum(['adam', 'adamw', 'sgd']).default('adam'),
  /** AdamW's decoupled decay; ignored by adam and sgd. */
  weightDecay: z.coerce.number().nonnegative().default(0.01),
  momentum: z.coerce.number().min(0).max(1).default(0.9),
  /** LR shape within each phase (restarted at every phase, so a phase starts at its own LR). */
  schedule: z.enum(['constant', 'step', 'cosine']).default('cosine'),
  /** Linear warm-up at the start of each phase, in epochs (may be fractional). */
  warmupEpochs: z.coerce.number().nonnegative().default(0),
  /** `step` schedule: multiply by stepGamma every stepEpochs epochs of the phase. */
  stepEpochs: z.coerce.number().int().positive().default(10),
  stepGamma: z.coerce.number().positive().max(1).default(0.1),
  /** Clip the global gradient norm to this value (0: no clipping). */
  clipNorm: z.coerce.number().nonnegative().default(0),
  /** Weight each sample's loss by n / (k · n_class) of the training split (balanced class weights). */
  classWeighted: z.boolean().default(false),
  /** Random augmentation of training images (data layer's DEFAULT_AUGMENT); off gives identical inputs every epoch. */
  augment: z.boolean().default(true),
  /**
   * BatchNorm moving-average momentum, Keras' convention (moving ← m·moving + (1 − m)·batch): 0.9 is PyTorch's
   * default 0.1, as in the study reproduced. With recalibration on it only matters between recalibrations.
   */
  bnMomentum: z.coerce.number().min(0).max(1).default(0.9),
  /**
   * Before every evaluation and before saving, recompute the population statistics of every BatchNorm layer that
   * trains over this many training images (seeded sample, no augmentation; all of them when fewer), or 'off'.
   */
  bnRecalibration: z.union([z.literal('off'), z.coerce.number().int().positive()]).default(DEFAULT_BN_RECALIBRATION),
  earlyStopping: z.object({
    monitor: z.enum(MONITORS).default('val_loss'),
    /** Epochs without improvement before the current phase ends (0: never stop early). */
    patience: z.coerce.number().int().nonnegative().default(5),
    /** Restore the weights of the best epoch at the end of the run. */
    restoreBest: z.boolean().default(true),
  }).strict().default({ monitor: 'val_loss', patience: 5, restoreBest: true }),
  seed: z.coerce.number().int().nonnegative().default(0),
}).strict();

export type TrainConfig = z.output<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

export function resolveTrainConfig(input: TrainConfigInput = {}): TrainConfig {
  const r = trainConfigSchema.safeParse(input);
  if (!r.success) throw new UsageError(`training options: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** Whether a larger value of the monitored metric is better. */
export function monitorMaximises(m: Monitor): boolean {
  return m !== 'val_loss';
}
