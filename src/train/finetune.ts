/**
 * One fine-tuning run from files to files: open the data, split it, build the model with pretrained weights, carry
 * out the strategy's plan, evaluate on validation and test, save the model folder, medft.json, metrics.json and
 * curves.csv. The plan is built by the caller from the model's blocks (strategies sit above train/).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSplits, openDataset, splitRecord, type Dataset, type OpenDatasetOptions } from '../data/index.ts';
import { assertTrainingFits, engineInfo } from '../engine/index.ts';
import { UsageError } from '../errors.ts';
import { evaluateClassification, type ClassificationReport } from '../eval/index.ts';
import { createModel, formatLoadReport, type ModelSpec, type WeightsOption } from '../models/index.ts';
import type { Paths } from '../paths.ts';
import type { TrainConfig } from './config.ts';
import { train, type TrainArgs, type TrainEvents, type TrainResult } from './loop.ts';
import type { TrainPlan } from './plan.ts';
import { predictDataset, splitPredictions, type SplitPredictions } from './predict.ts';
import { ReplicaGroup } from './replicas.ts';
import { curvesCsv } from './progress.ts';
import { checkFinetuneOut, clearFinetuneOut } from './finetune-out.ts';
import { saveFinetuned, type FinetunedMeta } from './saved-model.ts';

export interface FinetuneOptions {
  data: string;
  dataOptions?: Omit<OpenDatasetOptions, 'paths'>;
  /** Where the data and weights are looked for and caches go (the caller's settings). */
  paths: Paths;
  /**
   * Skip files that cannot be used (undecodable, missing, not an image) instead of failing. Every image is decoded once
   * before the split, so the bad ones are out of every split; they are listed in medft.json and `dataset.skipped`.
   */
  skipBad?: boolean;
  model: string;
  weights: WeightsOption;
  inputSize?: number;
  dropout?: number;
  /** Builds the strategy's plan over the model's block names (stem … head). */
  makePlan: (blocks: string[]) => TrainPlan;
  epochs: number;
  lr: number;
  config: TrainConfig;
  out: string;
  resume?: boolean;
  /** Overwrite a folder that holds a model or an unfinished run's checkpoint (see finetune-out.ts). */
  force?: boolean;
  /** Keep out/checkpoint after a finished run (default: removed, it holds weights and moments several times over). */
  keepCheckpoint?: boolean;
  /** Return after this many epochs, leaving the checkpoint to resume from. */
  stopAfterEpoch?: number;
  /** Frozen-prefix feature caching (default: on; see loop.ts). */
  featureCache?: TrainArgs['featureCache'];
  /** Split each batch over this many wasm engines in worker threads (default 1; see replicas.ts). */
  replicas?: number;
  /** Train without the wasm heap estimate (the engine settings' skipMemoryCheck). */
  skipMemoryCheck?: boolean;
  events?: TrainEvents & { onMessage?(line: string): void; onEvalBatch?(split: string, done: number, total: number): void };
}

export interface FinetuneResult {
  dataset: Dataset;
  spec: ModelSpec;
  plan: TrainPlan;
  training: TrainResult;
  metrics: { val: ClassificationReport | null; test: ClassificationReport | null } | null;
  /** The per-image probabilities the metrics were computed from (null when interrupted). */
  predictions: { val: SplitPredictions | null; test: SplitPredictions | null } | null;
  outDir: string;
}

export async function finetune(o: FinetuneOptions): Promise<FinetuneResult> {
  const say = (s: string) => o.events?.onMessage?.(s);
  checkFinetuneOut(o.out, o);
  const ds = await openDataset(o.data, { ...o.dataOptions, paths: o.paths, ...(o.skipBad ? { skipBad: true, verify: true } : {}) });
  try {
    if (o.skipBad) say(skippedLine(ds));
    if (ds.labelWidth !== 1) throw new UsageError(`${ds.name} is multi-label (${ds.task}); medft finetune handles single-label classification only so far`);
    const splits = makeSplits(ds, { seed: o.config.seed });
    const record = splitRecord(ds, splits);
    say(`data ${ds.name} (${ds.source}): ${ds.classNames.length} classes; split ${splits.method}: train ${splits.train.length}, val ${splits.val.length}, test ${splits.test.length}`);
    const created = await createModel(o.model, { numClasses: ds.classNames.length, inputSize: o.inputSize, dropout: o.dropout, seed: o.config.seed, weights: o.weights, paths: o.paths });
    const { model, spec } = created;
    try {
      say(`model ${spec.name} at ${spec.inputSize}px: ${spec.params.toLocaleString('en-US')} params; weights ${created.loadReport ? formatLoadReport(created.loadReport) : 'random initialisation'}`);
      const plan = o.makePlan(spec.blocks.map((b) => b.name));
      say(`strategy ${plan.strategy} ${JSON.stringify(plan.params)}: ${plan.phases.map((p) => `${p.name} ×${p.epochs} @ ${p.lr.toExponential(1)} [${p.trainBlocks.join(' ')}]`).join(' → ')}`);
      // Fail now, not with an abort deep in wasm after minutes of data loading and epochs.
      if (!o.skipMemoryCheck) assertTrainingFits(model, o.config.batchSize, `${spec.name} at ${spec.inputSize}×${spec.inputSize}`, o.replicas ?? 1);
      if (o.force && !o.resume) clearFinetuneOut(o.out);
      mkdirSync(o.out, { recursive: true });
      const checkpointDir = join(o.out, 'checkpoint');
      const replicas = (o.replicas ?? 1) > 1 ? await ReplicaGroup.start(model, spec, o.replicas!, o.config.seed) : undefined;
      if (replicas) say(`data-parallel: each batch split over ${replicas.ranks} wasm engines (worker threads), BatchNorm synchronised`);
      let training: TrainResult;
      try {
        training = await train({
          model, spec, plan, config: o.config, dataset: ds, split: splits, checkpointDir, resume: o.resume,
          stopAfterEpoch: o.stopAfterEpoch, featureCache: o.featureCache, events: o.events, replicas,
        });
      } finally {
        await replicas?.close();
      }
      if (training.resumedAt != null) say(`resumed after epoch ${training.resumedAt} from ${checkpointDir}`);
      if (training.interrupted) return { dataset: ds, spec, plan, training, metrics: null, predictions: null, outDir: o.out };
      if (training.restoredBest) say(`restored the weights of epoch ${training.bestEpoch} (best ${o.config.earlyStopping.monitor})`);

      const evaluate = async (name: 'val' | 'test') => {
        const idx = splits[name];
        if (idx.length === 0) return { report: null, predictions: null };
        const p = await predictDataset(model, ds, idx, spec.preprocess, o.config.evalBatchSize, (d, t) => o.events?.onEvalBatch?.(name, d, t));
        return {
          report: evaluateClassification(p.labels, p.probabilities, ds.classNames.length, { classNames: ds.classNames }),
          predictions: splitPredictions(ds, p),
        };
      };
      const val = await evaluate('val');
      const test = await evaluate('test');
      const metrics = { val: val.report, test: test.report };
      const predictions = { val: val.predictions, test: test.predictions };

      const { splits: full, ...dataRest } = record;
      const meta: Omit<FinetunedMeta, 'format' | 'version' | 'medftVersion' | 'createdAt'> = {
        model: { name: spec.name, inputSize: spec.inputSize, numClasses: spec.numClasses, dropout: o.dropout ?? 0, ...(spec.alpha != null ? { alpha: spec.alpha } : {}), pretrained: o.weights },
        preprocess: spec.preprocess,
        classNames: [...ds.classNames],
        task: ds.task,
        strategy: plan,
        run: { epochs: o.epochs, lr: o.lr, config: o.config },
        engine: { ...engineInfo(), replicas: o.replicas ?? 1 },
        data: {
          ...dataRest, splits: Object.fromEntries(Object.entries(full).map(([k, v]) => [k, { size: v.size, classCounts: v.classCounts, sha256: v.sha256 }])),
          ...(o.skipBad ? { skipBad: true as const, skipped: ds.skipped } : {}),
        },
      };
      await saveFinetuned(o.out, model, meta);
      writeFileSync(join(o.out, 'metrics.json'), `${JSON.stringify({ bestEpoch: training.bestEpoch, restoredBest: training.restoredBest, seconds: training.seconds, ...metrics }, null, 2)}\n`);
      writeFileSync(join(o.out, 'curves.csv'), curvesCsv(training.history));
      writeFileSync(join(o.out, 'split.json'), `${JSON.stringify(record)}\n`);
      if (!o.keepCheckpoint && existsSync(checkpointDir)) rmSync(checkpointDir, { recursive: true, force: true });
      return { dataset: ds, spec, plan, training, metrics, predictions, outDir: o.out };
    } finally {
      model.dispose();
    }
  } finally {
    await ds.close();
  }
}

/** What --skip-bad did, in one line: how many files were skipped and the first few of them with the reason. */
export function skippedLine(ds: Dataset): string {
  const n = ds.skipped.length;
  if (n === 0) return `--skip-bad: every file of ${ds.name} is usable; none skipped`;
  const shown = ds.skipped.slice(0, 3).map((s) => `${s.file} (${s.problem})`).join('; ');
  return `--skip-bad: skipped ${n} bad file(s) of ${ds.name}, kept ${ds.size}: ${shown}${n > 3 ? `; … ${n - 3} more, all listed in medft.json` : ''}`;
}
