/**
 * Carries out one RunSpec from files to files: open the data, split it, build the model with pretrained weights,
 * train by the strategy's plan, evaluate on validation and test, and save the model folder, medft.json (with the
 * spec), metrics.json, curves.csv and split.json. Returns one record of what happened, which `medft finetune` prints
 * and an experiment cell stores.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSplits, openDataset, splitRecord, type BadFile, type Dataset, type OpenDatasetOptions, type Task } from '../data/index.ts';
import { assertTrainingFits, engineInfo, type EngineInfo } from '../engine/index.ts';
import { UsageError } from '../errors.ts';
import { evaluateClassification, type ClassificationReport } from '../eval/index.ts';
import { createModel, formatLoadReport, type ModelSpec } from '../models/index.ts';
import { checkFinetuneOut, clearFinetuneOut } from '../train/finetune-out.ts';
import { train, type TrainArgs, type TrainEvents, type TrainResult } from '../train/loop.ts';
import type { TrainPlan } from '../train/plan.ts';
import { predictDataset, splitPredictions, type SplitPredictions } from '../train/predict.ts';
import { curvesCsv } from '../train/progress.ts';
import { startDataParallel } from '../train/data-parallel/index.ts';
import { saveFinetuned, type FinetunedMeta } from '../train/saved-model.ts';
import type { Paths } from '../paths.ts';
import { planOf, type RunSpec } from './spec.ts';

/** Where and how a spec runs: none of it changes the numbers. */
export interface RunControl {
  out: string;
  /** Where datasets named by name and weights are looked up, and where caches go (the caller's settings). */
  paths: Paths;
  /** Continue from out/checkpoint. */
  resume?: boolean;
  /** Overwrite a folder that holds a model or an unfinished run's checkpoint (see finetune-out.ts). */
  force?: boolean;
  /** Keep out/checkpoint after a finished run (default: removed, it holds weights and moments several times over). */
  keepCheckpoint?: boolean;
  /** Return after this many epochs, leaving the checkpoint to resume from. */
  stopAfterEpoch?: number;
  /** How to find the data: download a MedMNIST set named by the spec's path when it is not found locally. */
  download?: boolean;
  events?: TrainEvents & { onMessage?(line: string): void; onEvalBatch?(split: string, done: number, total: number): void };
}

/** Sizes, class counts and a hash of the sample ids per split (the ids themselves are in split.json). */
export interface SplitSummary { method: string; seed: number | string; splits: Record<string, { size: number; classCounts: number[]; sha256: string }> }

export interface RunRecord {
  spec: RunSpec;
  plan: TrainPlan;
  dataset: { name: string; source: string; task: Task; classNames: string[]; skipped: BadFile[] };
  model: { name: string; inputSize: number; params: number };
  split: SplitSummary;
  /** The engine as it ran: the replicas, where the train steps ran, and why the native engine declined a net. */
  engine: EngineInfo & { replicas: number; step: 'native' | 'tfjs'; stepDeclined?: string };
  training: TrainResult;
  /** Null when interrupted (stopAfterEpoch). */
  metrics: { val: ClassificationReport | null; test: ClassificationReport | null } | null;
  /** The per-image probabilities the metrics were computed from (null when interrupted). */
  predictions: { val: SplitPredictions | null; test: SplitPredictions | null } | null;
}

export async function runSpec(spec: RunSpec, o: RunControl): Promise<RunRecord> {
  const say = (s: string) => o.events?.onMessage?.(s);
  checkFinetuneOut(o.out, o);
  const plan = planOf(spec);
  const dataOptions: OpenDatasetOptions = { paths: o.paths, ...(o.download ? { download: true } : {}), ...(spec.data.skipBad ? { skipBad: true, verify: true } : {}) };
  const ds = await openDataset(spec.data.path, dataOptions);
  try {
    if (spec.data.skipBad) say(skippedLine(ds));
    if (ds.labelWidth !== 1) throw new UsageError(`${ds.name} is multi-label (${ds.task}); medft finetune handles single-label classification only so far`);
    const splits = makeSplits(ds, { seed: spec.train.seed });
    const record = splitRecord(ds, splits);
    say(`data ${ds.name} (${ds.source}): ${ds.classNames.length} classes; split ${splits.method}: train ${splits.train.length}, val ${splits.val.length}, test ${splits.test.length}`);
    const m = spec.model;
    const created = await createModel(m.name, { numClasses: ds.classNames.length, inputSize: m.inputSize ?? undefined, dropout: m.dropout, seed: spec.train.seed, weights: m.weights, paths: o.paths });
    const { model, spec: modelSpec } = created;
    try {
      say(`model ${modelSpec.name} at ${modelSpec.inputSize}px: ${modelSpec.params.toLocaleString('en-US')} params; weights ${created.loadReport ? formatLoadReport(created.loadReport) : 'random initialisation'}`);
      checkBlocks(plan, modelSpec);
      say(`strategy ${plan.strategy} ${JSON.stringify(plan.params)}: ${plan.phases.map((p) => `${p.name} ×${p.epochs} @ ${p.lr.toExponential(1)} [${p.trainBlocks.join(' ')}]`).join(' → ')}`);
      // Fail now, not with an abort deep in wasm after minutes of data loading and epochs (the native engine's
      // tensors live outside the wasm heap).
      if (!spec.engine.skipMemoryCheck && spec.engine.step === 'tfjs') assertTrainingFits(model, spec.train.batchSize, `${modelSpec.name} at ${modelSpec.inputSize}×${modelSpec.inputSize}`, spec.engine.replicas);
      if (o.force && !o.resume) clearFinetuneOut(o.out);
      mkdirSync(o.out, { recursive: true });
      const training = await trainOnReplicas(spec, { model, spec: modelSpec, plan, config: spec.train, dataset: ds, split: splits, checkpointDir: join(o.out, 'checkpoint'), resume: o.resume, stopAfterEpoch: o.stopAfterEpoch, featureCache: { enabled: spec.featureCache }, events: o.events }, say);
      const { splits: full, ...dataRest } = record;
      const split: SplitSummary = { method: record.method, seed: record.seed, splits: Object.fromEntries(Object.entries(full).map(([k, v]) => [k, { size: v.size, classCounts: v.classCounts, sha256: v.sha256 }])) };
      const base = {
        spec, plan, split, training,
        dataset: { name: ds.name, source: ds.source, task: ds.task, classNames: [...ds.classNames], skipped: ds.skipped },
        model: { name: modelSpec.name, inputSize: modelSpec.inputSize, params: modelSpec.params },
        engine: { ...engineInfo(), replicas: spec.engine.replicas, step: training.stepEngine.ran, ...(training.stepEngine.declined ? { stepDeclined: training.stepEngine.declined } : {}) },
      };
      if (training.resumedAt != null) say(`resumed after epoch ${training.resumedAt} from ${join(o.out, 'checkpoint')}`);
      if (training.interrupted) return { ...base, metrics: null, predictions: null };
      if (training.restoredBest) say(`restored the weights of epoch ${training.bestEpoch} (best ${spec.train.earlyStopping.monitor})`);

      const evaluate = async (name: 'val' | 'test') => {
        const idx = splits[name];
        if (idx.length === 0) return { report: null, predictions: null };
        const p = await predictDataset(model, ds, idx, modelSpec.preprocess, spec.train.evalBatchSize, (d, t) => o.events?.onEvalBatch?.(name, d, t));
        return {
          report: evaluateClassification(p.labels, p.probabilities, ds.classNames.length, { classNames: ds.classNames }),
          predictions: splitPredictions(ds, p),
        };
      };
      const val = await evaluate('val');
      const test = await evaluate('test');
      const metrics = { val: val.report, test: test.report };

      const meta: Omit<FinetunedMeta, 'format' | 'version' | 'medftVersion' | 'createdAt'> = {
        model: { name: modelSpec.name, inputSize: modelSpec.inputSize, numClasses: modelSpec.numClasses, dropout: m.dropout, ...(modelSpec.alpha != null ? { alpha: modelSpec.alpha } : {}), pretrained: m.weights },
        preprocess: modelSpec.preprocess,
        classNames: [...ds.classNames],
        task: ds.task,
        strategy: plan,
        spec,
        engine: base.engine,
        data: { ...dataRest, splits: split.splits, ...(spec.data.skipBad ? { skipBad: true as const, skipped: ds.skipped } : {}) },
      };
      await saveFinetuned(o.out, model, meta);
      writeFileSync(join(o.out, 'metrics.json'), `${JSON.stringify({ bestEpoch: training.bestEpoch, restoredBest: training.restoredBest, seconds: training.seconds, ...metrics }, null, 2)}\n`);
      writeFileSync(join(o.out, 'curves.csv'), curvesCsv(training.history));
      writeFileSync(join(o.out, 'split.json'), `${JSON.stringify(record)}\n`);
      const checkpointDir = join(o.out, 'checkpoint');
      if (!o.keepCheckpoint && existsSync(checkpointDir)) rmSync(checkpointDir, { recursive: true, force: true });
      return { ...base, metrics, predictions: { val: val.predictions, test: test.predictions } };
    } finally {
      model.dispose();
    }
  } finally {
    await ds.close();
  }
}

/**
 * Trains in the native whole-step engine, or on TF.js: on this engine or with each batch split over the spec's
 * replicas (worker threads, closed afterwards).
 */
async function trainOnReplicas(spec: RunSpec, args: Omit<TrainArgs, 'dataParallel'>, say: (s: string) => void): Promise<TrainResult> {
  if (spec.engine.step === 'native') {
    say('train steps: the native whole-step engine (oneDNN; --engine tfjs for the TF.js path)');
    return train({ ...args, native: { winograd: spec.engine.winograd, say } });
  }
  const dataParallel = await startDataParallel(args.model, args.spec, spec.engine.replicas, spec.train.seed);
  if (dataParallel.ranks > 1) say(`data-parallel: each batch split over ${dataParallel.ranks} wasm engines (worker threads), BatchNorm synchronised`);
  try {
    return await train({ ...args, dataParallel });
  } finally {
    await dataParallel.close();
  }
}

/** The plan was made from the family's block names; the built model must have every block it trains. */
function checkBlocks(plan: TrainPlan, model: ModelSpec): void {
  const have = new Set(model.blocks.map((b) => b.name));
  const missing = plan.phases.flatMap((p) => p.trainBlocks).filter((b) => !have.has(b));
  if (missing.length) throw new Error(`${plan.strategy} trains block(s) ${[...new Set(missing)].join(', ')} that ${model.name} does not have (blocks: ${[...have].join(', ')})`);
}

/** What --skip-bad did, in one line: how many files were skipped and the first few of them with the reason. */
export function skippedLine(ds: Dataset): string {
  const n = ds.skipped.length;
  if (n === 0) return `--skip-bad: every file of ${ds.name} is usable; none skipped`;
  const shown = ds.skipped.slice(0, 3).map((s) => `${s.file} (${s.problem})`).join('; ');
  return `--skip-bad: skipped ${n} bad file(s) of ${ds.name}, kept ${ds.size}: ${shown}${n > 3 ? `; … ${n - 3} more, all listed in medft.json` : ''}`;
}
