/**
 * The training loop every strategy runs on (not model.fit): per batch, tf.variableGrads over the phase's trainable
 * variables, the strategy's penalty added to the gradient, optional global-norm clipping, then medft's Optimizer with
 * per-variable LR multipliers. Per epoch: the phase's trainable set and BN policy, Auto-RGN probing, validation,
 * early stopping, a checkpoint. Same seed, same backend → same numbers; a resumed run → the same final weights.
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { batchCount, batches, classWeights, DEFAULT_AUGMENT, epochOrder, type Dataset } from '../data/index.ts';
import { floatsOf, tensorFromFill } from '../engine/index.ts';
import { TrainingError, UsageError } from '../errors.ts';
import { evaluateClassification } from '../eval/index.ts';
import type { ModelSpec } from '../models/index.ts';
import { relativeGradNorm, rgnMultipliers } from './auto-rgn.ts';
import { recalibrateBatchNorm, recalibrationSample, setBatchNormMomentum, trainedBatchNormLayers } from './batch-norm-stats.ts';
import { checkpointExists, loadCheckpoint, saveCheckpoint, type LoopState } from './checkpoint.ts';
import { monitorMaximises, type TrainConfig } from './config.ts';
import { clipGlobalNorm } from './clip.ts';
import { cacheForPhase, DEFAULT_FEATURE_CACHE_BYTES, type FeatureCache, type FeatureCacheOptions } from './feature-cache.ts';
import { crossEntropy } from './loss.ts';
import { Optimizer } from './optimizer.ts';
import type { ReplicaGroup } from './replicas.ts';
import { applyPenalty, StartingPoint } from './penalty.ts';
import { phaseAt, planEpochs, type Phase, type TrainPlan } from './plan.ts';
import { outputClasses, predictDataset } from './predict.ts';
import { lrAt } from './schedule.ts';
import { allWeights, applyPhase, trainableBlocks, type TrainVar } from './variables.ts';

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
  /** Data-parallel replicas of `model` (src/train/replicas.ts): steps over the whole model split each batch over them. */
  replicas?: ReplicaGroup;
}

/** What one step trains on: images for the whole model, or cached features for the suffix. */
interface StepInput {
  x: Float32Array;
  shape: number[];
  y: Int32Array;
  indices: number[];
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
}

function hashIndices(xs: readonly number[]): string {
  return createHash('sha256').update(xs.join(',')).digest('hex').slice(0, 16);
}

function copyWeights(weights: Map<string, tf.Variable>): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [k, v] of weights) out.set(k, Float32Array.from(floatsOf(v)));
  return out;
}

function setWeights(weights: Map<string, tf.Variable>, values: Map<string, Float32Array>): void {
  for (const [k, v] of weights) {
    const src = values.get(k);
    if (!src || src.length !== v.size) throw new UsageError(`checkpoint does not match the model: weight ${k} ${src ? `has ${src.length} values, not ${v.size}` : 'is missing'}`);
    const t = tensorFromFill(v.shape, (out) => out.set(src));
    v.assign(t);
    t.dispose();
  }
}

function monitorValue(m: TrainConfig['earlyStopping']['monitor'], v: ValMetrics): number {
  switch (m) {
    case 'val_loss': return v.loss;
    case 'val_accuracy': return v.accuracy;
    case 'val_balanced_accuracy': return v.balancedAccuracy;
    case 'val_macro_f1': return v.macroF1;
    case 'val_auc': return v.auc ?? Number.NaN;
  }
}

export async function train(args: TrainArgs): Promise<TrainResult> {
  const { model, spec, plan, config, dataset: ds, split, events } = args;
  const t0 = performance.now();
  if (ds.labelWidth !== 1) throw new UsageError(`${ds.name}: multi-label datasets are not supported by the training loop yet (softmax cross-entropy over one label per image)`);
  const k = outputClasses(model);
  if (k !== ds.classNames.length) throw new UsageError(`the model has ${k} outputs but ${ds.name} has ${ds.classNames.length} classes`);
  if (split.train.length === 0) throw new UsageError(`${ds.name}: the training split is empty`);
  const total = planEpochs(plan);
  const weights = allWeights(model);
  const optimizer = new Optimizer({ kind: config.optimizer, lr: plan.phases[0].lr, weightDecay: config.weightDecay, momentum: config.momentum });
  const cw = config.classWeighted ? classWeights(ds, split.train) : undefined;
  const maximise = monitorMaximises(config.earlyStopping.monitor);
  const dropLast = split.train.length % config.batchSize === 1; // a batch of one has no batch statistics
  const stepsPerEpoch = batchCount(split.train.length, config.batchSize, dropLast);
  const identity = JSON.stringify({ plan, config, model: spec.name, inputSize: spec.inputSize, classes: k, train: hashIndices(split.train), val: hashIndices(split.val) });
  setBatchNormMomentum(model, config.bnMomentum);
  const recalibration = config.bnRecalibration === 'off' ? null : recalibrationSample(split.train, config.bnRecalibration, config.seed);

  let state: LoopState<EpochRecord> = { identity, nextEpoch: 0, history: [], best: null, badEpochs: 0, endedPhases: [] };
  let w0: StartingPoint | null = null;
  let bestWeights: Map<string, Float32Array> | null = null;
  let resumedAt: number | null = null;
  if (args.resume && args.checkpointDir && checkpointExists(args.checkpointDir)) {
    const c = loadCheckpoint<EpochRecord>(args.checkpointDir);
    if (c.loop.identity !== identity) {
      throw new UsageError(`${args.checkpointDir}: the checkpoint is for a different run (strategy, options, model or data split differ); use another --out or drop --resume`);
    }
    setWeights(weights, c.weights);
    optimizer.importState(c.optimizer);
    if (c.w0) { w0 = new StartingPoint(); for (const [kk, v] of c.w0) w0.values.set(kk, v); }
    bestWeights = c.bestWeights;
    state = c.loop;
    resumedAt = state.nextEpoch;
  }

  const cacheOptions: FeatureCacheOptions = { enabled: args.featureCache?.enabled ?? true, maxBytes: args.featureCache?.maxBytes ?? DEFAULT_FEATURE_CACHE_BYTES };
  let cache: FeatureCache | null = null;
  let cacheOffReason: string | null = null;
  /** Data-loss gradients of the trainable variables, keyed by variable key; `net` is the model or the cache's suffix. */
  const gradients = (vars: TrainVar[], b: StepInput, where: string, net: tfl.LayersModel): { loss: number; grads: Record<string, tf.Tensor> } => {
    const variables = vars.map((v) => v.variable);
    let step = net === model ? args.replicas?.gradients(variables, b, k, cw) ?? null : null;
    if (!step) {
      const x = tf.tensor(b.x, b.shape);
      const { value, grads } = tf.variableGrads(() => crossEntropy(net.apply(x, { training: true }) as tf.Tensor, b.y, k, cw), variables);
      x.dispose();
      step = { loss: value.dataSync()[0], grads };
      value.dispose();
    }
    const { loss, grads: raw } = step;
    if (!Number.isFinite(loss)) {
      tf.dispose(Object.values(raw));
      throw new TrainingError(`the loss became ${loss} at ${where}; lower the learning rate (--lr) or clip gradients (--clip-norm)`);
    }
    const grads: Record<string, tf.Tensor> = {};
    for (const v of vars) if (raw[v.variable.name]) grads[v.key] = raw[v.variable.name];
    return { loss, grads };
  };

  let interrupted = false;
  for (let e = state.nextEpoch; e < total; e++) {
    const { phase, index, epochInPhase } = phaseAt(plan, e);
    if (state.endedPhases.includes(index)) { state.nextEpoch = e + 1; continue; }
    const vars = applyPhase(model, spec, phase);
    if (vars.length === 0) throw new UsageError(`phase '${phase.name}' of ${plan.strategy} has nothing to train`);
    const byKey = Object.fromEntries(vars.map((v) => [v.key, v.variable]));
    if (epochInPhase === 0) {
      if (phase.resetOptimizer) optimizer.resetState();
      state.badEpochs = 0;
      if (phase.penalty && !w0) w0 = StartingPoint.capture(vars);
    }
    optimizer.clearLrMultipliers();
    for (const v of vars) optimizer.setLrMultiplier(v.key, phase.blockLr?.[v.block] ?? 1);
    const blocksNow = trainableBlocks(model, spec);
    events?.onEpochStart?.({ epoch: e + 1, phase, phaseIndex: index, trainableBlocks: blocksNow, variables: vars, batches: stepsPerEpoch });

    const tEpoch = performance.now();
    const augment = config.augment && phase.augment !== false;
    const plannedCache = await cacheForPhase({
      current: cache, model, spec, phase, augment, options: cacheOptions, ds,
      samples: [...split.train, ...split.val], batchSize: config.evalBatchSize,
    });
    cache = plannedCache.use ? plannedCache.cache : null;
    if (plannedCache.use) {
      const c = plannedCache.cache;
      events?.onFeatureCache?.({ epoch: e + 1, action: plannedCache.built ? 'built' : 'reused', prefix: c.prefixBlocks, bytes: c.bytes, seconds: (performance.now() - tEpoch) / 1000 });
    } else if (plannedCache.reason && plannedCache.reason !== cacheOffReason) {
      // Said once per reason, not every epoch.
      events?.onFeatureCache?.({ epoch: e + 1, action: 'off', prefix: [], bytes: 0, seconds: 0, reason: plannedCache.reason });
    }
    cacheOffReason = plannedCache.use ? null : plannedCache.reason;
    const net = cache ? cache.parts.suffix : model;
    const stream: AsyncIterable<StepInput> = cache
      ? cache.batches(epochOrder(split.train, config.seed, e, true), config.batchSize, dropLast, ds.labels)
      : batches(ds, split.train, {
        spec: spec.preprocess, batchSize: config.batchSize, seed: config.seed, epoch: e, shuffle: true,
        augment: augment ? DEFAULT_AUGMENT : false, dropLast,
      });
    const it = stream[Symbol.asyncIterator]();
    const buffered: StepInput[] = [];
    if (phase.autoRgn) {
      // Probe on the epoch's first batches (which are then trained on as usual), reset Adam, set lr_i ∝ RGN_i.
      const rgn = new Map<string, (number | null)[]>(vars.map((v) => [v.key, []]));
      for (let p = 0; p < phase.autoRgn.probeBatches; p++) {
        const r = await it.next();
        if (r.done) break;
        buffered.push(r.value);
        const { grads } = gradients(vars, r.value, `epoch ${e + 1}, Auto-RGN probe ${p + 1}`, net);
        for (const v of vars) rgn.get(v.key)!.push(grads[v.key] ? relativeGradNorm(floatsOf(grads[v.key]), floatsOf(v.variable)) : 0);
        tf.dispose(Object.values(grads));
      }
      const multipliers = rgnMultipliers(rgn);
      optimizer.resetState();
      for (const v of vars) optimizer.setLrMultiplier(v.key, (phase.blockLr?.[v.block] ?? 1) * multipliers.get(v.key)!);
      events?.onRgn?.({ epoch: e + 1, multipliers, rgn });
    }

    let lossSum = 0;
    let penSum = 0;
    let images = 0;
    let b = 0;
    let lrStart = Number.NaN;
    let lr = Number.NaN;
    const stepsInPhase = phase.epochs * stepsPerEpoch;
    for (;;) {
      let batch: StepInput;
      if (buffered.length) batch = buffered.shift()!;
      else {
        const r = await it.next();
        if (r.done) break;
        batch = r.value;
      }
      lr = lrAt(config, phase.lr, epochInPhase * stepsPerEpoch + b, stepsInPhase, stepsPerEpoch);
      if (b === 0) lrStart = lr;
      const { loss, grads } = gradients(vars, batch, `epoch ${e + 1}, batch ${b + 1} (lr ${lr.toExponential(2)})`, net);
      const pen = phase.penalty && w0 ? applyPenalty(phase.penalty, vars, grads, w0) : 0;
      if (config.clipNorm > 0) clipGlobalNorm(grads, config.clipNorm);
      optimizer.step(grads, byKey, lr);
      tf.dispose(Object.values(grads));
      const n = batch.indices.length;
      lossSum += loss * n;
      penSum += pen * n;
      images += n;
      b++;
      events?.onBatch?.({ epoch: e + 1, batch: b, batches: stepsPerEpoch, loss, lr });
    }
    const trainSeconds = (performance.now() - tEpoch) / 1000;

    // Statistics of the weights about to be evaluated (and checkpointed, and maybe restored as the best).
    let bnRecalibration: EpochRecord['bnRecalibration'];
    if (recalibration) {
      const phasesSoFar = [...state.history.map((r) => plan.phases[r.phaseIndex]), phase];
      const layers = trainedBatchNormLayers(model, spec, phasesSoFar);
      if (layers.length > 0) bnRecalibration = await recalibrateBatchNorm(model, layers, ds, recalibration, spec.preprocess, config.evalBatchSize);
    }

    let val: ValMetrics | null = null;
    if (split.val.length > 0) {
      const p = cache
        ? { labels: Int32Array.from(split.val, (i) => ds.labels[i]), probabilities: cache.probabilities(split.val, config.evalBatchSize, k) }
        : await predictDataset(model, ds, split.val, spec.preprocess, config.evalBatchSize);
      const r = evaluateClassification(p.labels, p.probabilities, k);
      val = { loss: r.nll, accuracy: r.accuracy, balancedAccuracy: r.balancedAccuracy, macroF1: r.macroF1, auc: r.macroAuc };
    }
    const monitor = val ? monitorValue(config.earlyStopping.monitor, val) : null;
    let best = false;
    let stoppedPhase = false;
    if (monitor != null) {
      best = Number.isFinite(monitor) && (state.best == null || (maximise ? monitor > state.best.value : monitor < state.best.value));
      if (best) {
        state.best = { epoch: e + 1, value: monitor };
        state.badEpochs = 0;
        if (config.earlyStopping.restoreBest) bestWeights = copyWeights(weights);
      } else {
        state.badEpochs++;
        const { patience } = config.earlyStopping;
        if (patience > 0 && state.badEpochs >= patience && epochInPhase < phase.epochs - 1) {
          stoppedPhase = true;
          state.endedPhases.push(index);
          // The next phase starts from the best weights so far (which may differ in the cached prefix).
          if (bestWeights) { setWeights(weights, bestWeights); cache = null; }
        }
      }
    }
    const record: EpochRecord = {
      epoch: e + 1, phase: phase.name, phaseIndex: index, trainableBlocks: blocksNow, trainableTensors: vars.length,
      lrStart, lrEnd: lr, trainLoss: lossSum / Math.max(1, images), penalty: phase.penalty ? penSum / Math.max(1, images) : null,
      val, monitor, best, stoppedPhase, images, seconds: (performance.now() - tEpoch) / 1000, imagesPerSec: images / trainSeconds,
      cachedBlocks: cache ? [...cache.prefixBlocks] : [], bnRecalibration,
    };
    state.history.push(record);
    state.nextEpoch = e + 1;
    if (args.checkpointDir) {
      saveCheckpoint(args.checkpointDir, {
        loop: state, weights: copyWeights(weights), optimizer: optimizer.exportState(),
        w0: w0 ? w0.values : null, bestWeights,
      });
    }
    events?.onEpochEnd?.(record);
    if (args.stopAfterEpoch != null && e + 1 >= args.stopAfterEpoch && e + 1 < total) { interrupted = true; break; }
  }

  let restoredBest = false;
  if (!interrupted && config.earlyStopping.restoreBest && bestWeights && state.best && state.best.epoch !== state.history.at(-1)?.epoch) {
    setWeights(weights, bestWeights);
    restoredBest = true;
  }
  // Leave every layer trainable again, as a freshly built model is.
  for (const layer of model.layers) layer.trainable = true;
  return { history: state.history, bestEpoch: state.best?.epoch ?? null, restoredBest, resumedAt, interrupted, seconds: (performance.now() - t0) / 1000 };
}
