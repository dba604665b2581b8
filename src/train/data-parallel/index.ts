/**
 * Data parallelism inside one process, the front door: start it for a model, ask it for each step's gradients, close
 * it. How a batch is split over replica threads (replica-group.ts, replica-thread.ts, rank-step.ts) and what they
 * share (shared-channel.ts) is this folder's own business.
 */
export type { Batch, DataParallel, GradientStep, SplitTimes, StepGradients } from './data-parallel.ts';
export { ONE_ENGINE } from './one-engine.ts';
export { resolveReplicas } from './replica-count.ts';
export { startDataParallel } from './start.ts';
