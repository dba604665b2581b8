/**
 * What a run fixes before its first epoch: the checked inputs, the optimizer, the batches per epoch, the BatchNorm
 * recalibration sample, and the identity a checkpoint must match to be resumed.
 */
import { createHash } from 'node:crypto';
import type * as tf from '@tensorflow/tfjs-core';
import { batchCount, classWeights } from '../data/index.ts';
import { UsageError } from '../errors.ts';
import { recalibrationSample, setBatchNormMomentum } from './batch-norm-stats.ts';
import { ONE_ENGINE, type DataParallel } from './data-parallel/index.ts';
import type { TrainArgs } from './loop-types.ts';
import { NativeSteps } from './native-steps.ts';
import { Optimizer } from './optimizer.ts';
import { planEpochs } from './plan.ts';
import { outputClasses } from './predict.ts';
import { allWeights } from './variables.ts';

export interface Run extends TrainArgs {
  /** Classes the model outputs. */
  k: number;
  totalEpochs: number;
  /** Every weight of the model (BN statistics included), by Keras name. */
  weights: Map<string, tf.Variable>;
  optimizer: Optimizer;
  classWeights?: number[];
  /** Drop the last batch of an epoch when it would hold one image (a batch of one has no batch statistics). */
  dropLast: boolean;
  stepsPerEpoch: number;
  /** Training images whose statistics BatchNorm is recalibrated over, or null (off). */
  recalibration: number[] | null;
  /** JSON of what must match to resume (plan, config, model, data split). */
  identity: string;
  dataParallel: DataParallel;
  /** The native whole-step engines, when the run asked for them. */
  nativeSteps: NativeSteps | null;
}

function hashIndices(xs: readonly number[]): string {
  return createHash('sha256').update(xs.join(',')).digest('hex').slice(0, 16);
}

export function setUpRun(args: TrainArgs): Run {
  const { model, spec, plan, config, dataset: ds, split } = args;
  if (ds.labelWidth !== 1) throw new UsageError(`${ds.name}: multi-label datasets are not supported by the training loop yet (softmax cross-entropy over one label per image)`);
  const k = outputClasses(model);
  if (k !== ds.classNames.length) throw new UsageError(`the model has ${k} outputs but ${ds.name} has ${ds.classNames.length} classes`);
  if (split.train.length === 0) throw new UsageError(`${ds.name}: the training split is empty`);
  const dropLast = split.train.length % config.batchSize === 1;
  setBatchNormMomentum(model, config.bnMomentum);
  const optimizer = new Optimizer({ kind: config.optimizer, lr: plan.phases[0].lr, weightDecay: config.weightDecay, momentum: config.momentum });
  return {
    ...args,
    k,
    totalEpochs: planEpochs(plan),
    weights: allWeights(model),
    optimizer,
    classWeights: config.classWeighted ? classWeights(ds, split.train) : undefined,
    dropLast,
    stepsPerEpoch: batchCount(split.train.length, config.batchSize, dropLast),
    recalibration: config.bnRecalibration === 'off' ? null : recalibrationSample(split.train, config.bnRecalibration, config.seed),
    identity: JSON.stringify({ plan, config, model: spec.name, inputSize: spec.inputSize, classes: k, train: hashIndices(split.train), val: hashIndices(split.val) }),
    dataParallel: args.dataParallel ?? ONE_ENGINE,
    nativeSteps: args.native ? NativeSteps.fromConfig(optimizer.config, args.native.winograd, args.native.say) : null,
  };
}
