/**
 * The training loop every strategy runs on (not model.fit). Per epoch, in order: enter the phase (its trainable set,
 * BN policy and per-block LR), train one epoch (tf.variableGrads over the phase's variables, the strategy's penalty,
 * optional clipping, medft's Optimizer), recalibrate BatchNorm, validate, then early stopping and a checkpoint. Same
 * seed, same backend → same numbers; a resumed run → the same final weights.
 */
import { UsageError } from '../errors.ts';
import { recalibrateBatchNorm, trainedBatchNormLayers } from './batch-norm-stats.ts';
import { checkpointExists, loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { EarlyStopping, monitorValue } from './early-stopping.ts';
import { enterPhase, trainOneEpoch, validate } from './epoch.ts';
import { EpochInputs } from './epoch-input.ts';
import type { EpochRecord, TrainArgs, TrainResult } from './loop-types.ts';
import { StartingPoint } from './penalty.ts';
import { phaseAt } from './plan.ts';
import { setUpRun, type Run } from './run-setup.ts';
import { trainableBlocks } from './variables.ts';
import { copyWeights, setWeights } from './weight-copies.ts';

export type { EpochRecord, FeatureCacheEvent, TrainArgs, TrainEvents, TrainResult, ValMetrics } from './loop-types.ts';

/** What the run carries from epoch to epoch besides the model and the optimizer (all of it goes in a checkpoint). */
interface Carried {
  history: EpochRecord[];
  stopping: EarlyStopping;
  /** w⁰ of the SP penalties, captured when the first penalised phase starts. */
  w0: StartingPoint | null;
  /** Weights of the best epoch so far, when they are to be restored. */
  bestWeights: Map<string, Float32Array> | null;
}

export async function train(args: TrainArgs): Promise<TrainResult> {
  const run = setUpRun(args);
  try {
    return await trainRun(run, args);
  } finally {
    run.nativeSteps?.dispose();
  }
}

async function trainRun(run: Run, args: TrainArgs): Promise<TrainResult> {
  const t0 = performance.now();
  const { model, spec, plan, config, events } = run;
  const carried: Carried = { history: [], stopping: new EarlyStopping(config.earlyStopping), w0: null, bestWeights: null };
  const resumedAt = args.resume && args.checkpointDir ? resume(run, args.checkpointDir, carried) : null;
  const inputs = new EpochInputs(run);

  let interrupted = false;
  for (let e = resumedAt ?? 0; e < run.totalEpochs; e++) {
    const { phase, index, epochInPhase } = phaseAt(plan, e);
    if (carried.stopping.phaseEnded(index)) continue; // patience ran out earlier in this phase

    // 1. The phase: trainable variables, optimizer state, per-block LR; patience and w⁰ start with it.
    const vars = enterPhase(run, phase, epochInPhase);
    if (epochInPhase === 0) {
      carried.stopping.startPhase();
      if (phase.penalty && !carried.w0) carried.w0 = StartingPoint.capture(vars);
    }
    const blocksNow = trainableBlocks(model, spec);
    events?.onEpochStart?.({ epoch: e + 1, phase, phaseIndex: index, trainableBlocks: blocksNow, variables: vars, batches: run.stepsPerEpoch });

    // 2. Train one epoch, on images or on the frozen prefix's cached features.
    const tEpoch = performance.now();
    const input = await inputs.open(e, phase, tEpoch);
    const trained = await trainOneEpoch(run, { e, phase, epochInPhase, vars, w0: carried.w0 }, input);
    const trainSeconds = (performance.now() - tEpoch) / 1000;

    // 3. BatchNorm statistics of the weights about to be evaluated (and checkpointed, and maybe restored as the best).
    let bnRecalibration: EpochRecord['bnRecalibration'];
    if (run.recalibration) {
      const layers = trainedBatchNormLayers(model, spec, [...carried.history.map((r) => plan.phases[r.phaseIndex]), phase]);
      if (layers.length > 0) bnRecalibration = await recalibrateBatchNorm(model, layers, run.dataset, run.recalibration, spec.preprocess, config.evalBatchSize);
    }

    // 4. Validate.
    const val = await validate(run, inputs.cache);

    // 5. Early stopping: keep the best weights; when patience runs out, the next phase starts from them (which may
    //    differ in the cached prefix, so the cache goes).
    const monitor = val ? monitorValue(config.earlyStopping.monitor, val) : null;
    const verdict = carried.stopping.observe(e + 1, monitor, { index, lastEpoch: epochInPhase === phase.epochs - 1 });
    if (verdict.best && config.earlyStopping.restoreBest) carried.bestWeights = copyWeights(run.weights);
    if (verdict.stopPhase && carried.bestWeights) { setWeights(run.weights, carried.bestWeights); inputs.drop(); }

    // 6. Record the epoch, checkpoint, report.
    const record: EpochRecord = {
      epoch: e + 1, phase: phase.name, phaseIndex: index, trainableBlocks: blocksNow, trainableTensors: vars.length,
      lrStart: trained.lrStart, lrEnd: trained.lrEnd, trainLoss: trained.trainLoss, penalty: trained.penalty,
      val, monitor, best: verdict.best, stoppedPhase: verdict.stopPhase, images: trained.images,
      seconds: (performance.now() - tEpoch) / 1000, imagesPerSec: trained.images / trainSeconds,
      cachedBlocks: inputs.cache ? [...inputs.cache.prefixBlocks] : [], bnRecalibration,
    };
    carried.history.push(record);
    if (args.checkpointDir) save(run, args.checkpointDir, e + 1, carried);
    events?.onEpochEnd?.(record);

    // 7. A time-boxed run returns here, leaving its checkpoint to resume from.
    if (args.stopAfterEpoch != null && e + 1 >= args.stopAfterEpoch && e + 1 < run.totalEpochs) { interrupted = true; break; }
  }

  // The best epoch's weights, unless the run ended on it (or was interrupted: it will end later).
  const best = carried.stopping.best;
  let restoredBest = false;
  if (!interrupted && config.earlyStopping.restoreBest && carried.bestWeights && best && best.epoch !== carried.history.at(-1)?.epoch) {
    setWeights(run.weights, carried.bestWeights);
    restoredBest = true;
  }
  // Leave every layer trainable again, as a freshly built model is.
  for (const layer of model.layers) layer.trainable = true;
  return {
    history: carried.history, bestEpoch: best?.epoch ?? null, restoredBest, resumedAt, interrupted, seconds: (performance.now() - t0) / 1000,
    stepEngine: { ran: run.nativeSteps?.ran ? 'native' : 'tfjs', declined: run.nativeSteps?.declined ?? null },
  };
}

/** Puts the run back where dir's checkpoint left it; returns the epochs already done, or null without a checkpoint. */
function resume(run: Run, dir: string, carried: Carried): number | null {
  if (!checkpointExists(dir)) return null;
  const c = loadCheckpoint<EpochRecord>(dir);
  if (c.loop.identity !== run.identity) {
    throw new UsageError(`${dir}: the checkpoint is for a different run (strategy, options, model or data split differ); use another --out or drop --resume`);
  }
  setWeights(run.weights, c.weights);
  run.optimizer.importState(c.optimizer);
  if (c.w0) { carried.w0 = new StartingPoint(); for (const [k, v] of c.w0) carried.w0.values.set(k, v); }
  carried.bestWeights = c.bestWeights;
  carried.history = c.loop.history;
  carried.stopping.load(c.loop);
  return c.loop.nextEpoch;
}

/** The checkpoint after `epochsDone` epochs, in the layout checkpoints have always had. */
function save(run: Run, dir: string, epochsDone: number, carried: Carried): void {
  saveCheckpoint(dir, {
    loop: { identity: run.identity, nextEpoch: epochsDone, history: carried.history, ...carried.stopping.state() },
    weights: copyWeights(run.weights), optimizer: run.optimizer.exportState(),
    w0: carried.w0 ? carried.w0.values : null, bestWeights: carried.bestWeights,
  });
}
