/**
 * The training loop's contract: what train() takes, what it reports while it runs (the CLI and the experiment runner
 * listen), and what it returns.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Dataset } from '../data/index.ts';
import type { ModelSpec } from '../models/index.ts';
import type { TrainConfig } from './config.ts';
import type { DataParallel } from './data-parallel/index.ts';
import type { FeatureCacheOptions } from './feature-cache.ts';
import type { Phase, TrainPlan } from './plan.ts';
import type { TrainVar } from './variables.ts';

export interface ValMetrics {
  loss: number;
  accuracy: number;
  balancedAccuracy: number;
  macroF1: number;
  auc: number | null;
}

export interface EpochRecord {
  /** 1-based over the whole run. */
  epoch: number;
  phase: string;
  phaseIndex: number;
  trainableBlocks: string[];
  trainableTensors: number;
  lrStart: number;
  lrEnd: number;
  /** Mean data loss over the epoch's batches (class-weighted when asked). */
  trainLoss: number;
  /** Mean penalty over the epoch's batches (SP strategies), else null. */
  penalty: number | null;
  val: ValMetrics | null;
  /** The monitored value and whether it was the best so far. */
  monitor: number | null;
  best: boolean;
  /** Patience ran out: the rest of this phase is skipped. */
  stoppedPhase: boolean;
  images: number;
  seconds: number;
  imagesPerSec: number;
  /** Blocks whose outputs came from the feature cache this epoch (empty: the whole model ran). */
  cachedBlocks?: string[];
  /** BatchNorm recalibration before this epoch's validation (absent: off, or no BatchNorm layer has trained yet). */
  bnRecalibration?: { layers: number; images: number; seconds: number };
}

export interface FeatureCacheEvent {
  epoch: number;
  /** built: computed this epoch; reused: kept from the last epoch; off: a frozen prefix exists but was not cached. */
  action: 'built' | 'reused' | 'off';
  prefix: string[];
  bytes: number;
  seconds: number;
  reason?: string;
}

export interface TrainEvents {
  onEpochStart?(info: { epoch: number; phase: Phase; phaseIndex: number; trainableBlocks: string[]; variables: TrainVar[]; batches: number }): void;
  /** Auto-RGN's multipliers of the epoch, by variable key. */
  onRgn?(info: { epoch: number; multipliers: Map<string, number>; rgn: Map<string, (number | null)[]> }): void;
  onBatch?(info: { epoch: number; batch: number; batches: number; loss: number; lr: number }): void;
  onEpochEnd?(record: EpochRecord): void;
  onFeatureCache?(info: FeatureCacheEvent): void;
}

export interface TrainArgs {
  model: tfl.LayersModel;
  spec: ModelSpec;
  plan: TrainPlan;
  config: TrainConfig;
  dataset: Dataset;
  split: { train: readonly number[]; val: readonly number[] };
  /** Folder for the epoch-end checkpoint (none: no checkpoints). */
  checkpointDir?: string;
  /** Continue from the checkpoint in checkpointDir when there is one. */
  resume?: boolean;
  /** Return after this many epochs of the run are done, as an interrupted run would (tests, time-boxed runs). */
  stopAfterEpoch?: number;
  events?: TrainEvents;
  /** Frozen-prefix feature caching (default: on, 1 GiB). Same weights either way, up to float rounding. */
  featureCache?: Partial<FeatureCacheOptions>;
  /** Data parallelism started for `model` (src/train/data-parallel/): each step's gradients (absent: this engine alone). */
  dataParallel?: DataParallel;
  /** Run each train step in the native whole-step engine (src/engine/whole-step/); absent: on TF.js. */
  native?: { winograd: boolean; say?: (line: string) => void };
}

export interface TrainResult {
  history: EpochRecord[];
  bestEpoch: number | null;
  /** The weights of bestEpoch were put back at the end. */
  restoredBest: boolean;
  /** Epoch the run resumed from (0-based count of epochs already done), when it resumed. */
  resumedAt: number | null;
  /** True when stopAfterEpoch ended the run before the plan did. */
  interrupted: boolean;
  seconds: number;
  /** Where the train steps ran; `declined`: why the native engine left a net to TF.js (null: it did not). */
  stepEngine: { ran: 'native' | 'tfjs'; declined: string | null };
}
