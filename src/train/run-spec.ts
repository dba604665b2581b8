/**
 * One run, described once. `medft finetune`, an experiment cell, a queue job and `medft export`'s retraining all
 * resolve to a RunSpec before anything trains, and runSpec() (run.ts) is the one function that carries it out. It is
 * plain JSON, fully resolved (loop defaults filled in, the strategy's parameters validated, the replicas counted), and
 * it is written into medft.json and the store as it ran: what ran is exactly what is stored.
 */
import type { EngineSettings } from '../engine/settings.ts';
import type { StepEngine } from '../engine/whole-step/choice.ts';
import type { TrainConfig } from './config.ts';

export interface RunSpec {
  /** `path`: what is opened (a file, folder, or a dataset name looked up in the data folder). */
  data: { path: string; skipBad: boolean };
  /** `weights`: 'imagenet', a path, or null for a random initialisation; `inputSize` null: the model's own. */
  model: { name: string; weights: string | null; inputSize: number | null; dropout: number };
  /** `params`: every hyper-parameter of the strategy, defaults included. */
  strategy: { id: string; params: Record<string, unknown> };
  epochs: number;
  /** The base learning rate; the strategy scales it per phase and block. */
  lr: number;
  /** The loop: optimizer, schedule, BatchNorm, augmentation, early stopping, batch sizes and the seed. */
  train: TrainConfig;
  /** Cache the frozen prefix's outputs: faster, the same weights up to float rounding. */
  featureCache: boolean;
  engine: RunEngine;
}

/**
 * The engine the run's process was started with, the data-parallel replicas this run splits batches over, and where
 * its train steps run (resolved: the native engine may still decline a model, see RunRecord.engine).
 */
export type RunEngine = Omit<EngineSettings, 'replicas' | 'step'> & { replicas: number; step: StepEngine };
