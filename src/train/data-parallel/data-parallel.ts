/**
 * What the training loop (and `medft bench --model`) may ask of data parallelism: the loss gradients of one batch,
 * on one engine or split over several, and an end. Everything else — the replica threads, the shared channel, the
 * BatchNorm sums over the ranks — stays inside this folder.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** A batch's pixels (NHWC) and labels. */
export interface Batch {
  x: Float32Array;
  shape: number[];
  y: Int32Array;
}

/** One step's question: the data loss of `batch` through `net` (softmax cross-entropy), differentiated for `variables`. */
export interface GradientStep {
  /** The replicated model, or another net (the feature cache's suffix), which runs on this engine alone. */
  net: tfl.LayersModel;
  variables: tf.Variable[];
  batch: Batch;
  numClasses: number;
  classWeights?: readonly number[];
  /** Called when this engine's forward pass is done (the benchmark's forward time). */
  onForward?: () => void;
}

/** Milliseconds of a split step on rank 0, by part. */
export interface SplitTimes {
  /** Writing every weight to the shared channel. */
  publish: number;
  /** Blocked at BatchNorm's sums over the ranks during rank 0's forward and backward. */
  syncWait: number;
  /** Waiting for the replicas to finish. */
  wait: number;
  /** Adding their gradients to rank 0's. */
  sum: number;
}

export interface StepGradients {
  loss: number;
  /** By variable name; the caller disposes them. */
  grads: tf.NamedTensorMap;
  /** Where the step was split over the ranks, its parts' times; null when it ran on this engine alone. */
  split: SplitTimes | null;
}

export interface DataParallel {
  /** Engines a batch is split over (1: this one alone). */
  readonly ranks: number;
  /**
   * The step's loss and gradients, the same up to float rounding however many engines compute it. A batch with fewer
   * rows than ranks, or through another net than the replicated model, runs on this engine alone.
   */
  gradients(step: GradientStep): StepGradients;
  /** Stops the replicas (if any) and gives back their share of the accelerator's threads. */
  close(): Promise<void>;
}
