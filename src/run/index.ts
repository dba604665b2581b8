/** One run from a RunSpec: its plan (spec.ts) and carrying it out into files and a record (run.ts). */
export { planOf, resolveRunSpec, type RunEngine, type RunSpec, type RunSpecInput } from './spec.ts';
export { runSpec, skippedLine, type RunControl, type RunRecord, type SplitSummary } from './run.ts';
