/**
 * medft's library API: the same jobs as the CLI commands, for use from TypeScript or JavaScript.
 *
 *   import { initEngine, resolveRunSpec, runSpec, buildPlan, planExperiment, runExperiment, writeReport } from 'medft';
 *
 * Call `initEngine()` once before anything that touches tensors (runSpec, benchModel, createModel, …); the
 * experiment runner and the queue worker start their own engines in their worker processes. medft reads no
 * environment variables below this door: `initEngine(engineFromEnv())`, `runExperiment(plan, { engine:
 * engineFromEnv(), paths: pathsFromEnv(), … })` and the like take the MEDFT_* settings as the CLI does
 * (src/settings.ts). Whatever finds datasets or weights or writes a cache (openDataset, finetune, createModel with
 * 'imagenet' weights, runExperiment, …) takes a `paths` option: pathsFromEnv(), or your own folders.
 */

// engine (banner, backend choice) — every command's first line
export {
  BACKENDS, DEFAULT_ENGINE_SETTINGS, engineBanner, engineInfo, initEngine, type BackendName, type EngineInfo, type EngineSettings,
} from './engine/index.ts';
export { engineChoicesFromEnv, engineFromEnv, pathsFromEnv, settingsFromEnv, type Settings } from './settings.ts';
export type { Paths } from './paths.ts';
export { MedftError, UsageError, InputError, ResourceError, TrainingError } from './errors.ts';

// `medft datasets`
export * from './data/index.ts';

// `medft models`
export * from './models/index.ts';

// `medft strategies`
export { STRATEGIES, STUDY_STRATEGIES, buildPlan, getStrategy, resolveParams, strategyIds, type Strategy, type StrategyContext } from './strategies/index.ts';

// `medft finetune / evaluate / predict`
export { planOf, resolveRunSpec, runSpec, type RunControl, type RunEngine, type RunRecord, type RunSpec, type RunSpecInput } from './run/index.ts';
export { checkSameClasses, loadFinetuned, readFinetunedMeta, type FinetunedMeta } from './train/saved-model.ts';
export { predictDataset, probabilitiesOf } from './train/predict.ts';
export { Optimizer, type OptimizerConfig } from './train/optimizer.ts';

// metrics and statistics
export * from './eval/index.ts';

// `medft run / report / export`
export { loadExperiment, parseExperiment, experimentSchema, type ExperimentSpec, type ExperimentInput } from './experiment/spec.ts';
export { expandCells, cellId, type Cell, type CellConfig } from './experiment/cells.ts';
export { planExperiment, runExperiment, cellStatuses, type Plan, type RunOptions, type RunSummary } from './experiment/runner.ts';
export { estimateRun, type RunEstimate } from './experiment/estimate.ts';
export { ResultsStore } from './experiment/store.ts';
export { writeReport, loadReportData, computeStats, type ReportData } from './report/index.ts';
export { chooseBest, exportBestModels, type BestChoice, type ExportedModel } from './report/best-model.ts';

// `medft bench`
export { benchModel, type ModelBenchOptions, type ModelBenchResult } from './bench/model-bench.ts';
export { findMaxBatch } from './bench/max-batch.ts';
export { benchKernels, type KernelBenchRow } from './bench/kernel-bench.ts';

// `medft run --queue / worker / status`
export { runQueued, type QueueRunOptions } from './queue/coordinator.ts';
export { startWorker, type QueueWorkerOptions } from './queue/worker.ts';
export { queueStatus, type QueueStatus } from './queue/status.ts';
