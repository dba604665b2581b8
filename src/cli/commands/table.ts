/**
 * The commands: how each is called and what it does, and the module that defines it. Only the module of the command
 * being run is loaded, and those modules load TF.js, BullMQ or Vega only inside their actions, so `medft --version`,
 * `medft --help` and any command's --help answer without loading an engine.
 */
import type { Command } from 'commander';

export interface CommandEntry {
  name: string;
  /** As the command list in `medft --help` shows it (a test checks it against the loaded command). */
  term: string;
  description: string;
  load(): Promise<(program: Command) => void>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'bench', term: 'bench [options]',
    description: 'measure the engine: per-kernel GFLOP/s (--kernels) or a model\'s forward and train step, against PyTorch (--model)',
    load: async () => (await import('./bench.ts')).registerBench,
  },
  {
    name: 'datasets', term: 'datasets',
    description: 'list the known datasets, or inspect a dataset before training on it',
    load: async () => (await import('./datasets.ts')).registerDatasets,
  },
  {
    name: 'models', term: 'models [options]',
    description: 'list the backbones: parameter counts, input size, preprocessing, blocks, where weights come from',
    load: async () => (await import('./models.ts')).registerModels,
  },
  {
    name: 'finetune', term: 'finetune [options]',
    description: 'fine-tune a pretrained backbone on a dataset with one strategy; evaluate on validation and test; save the model',
    load: async () => (await import('./finetune.ts')).registerFinetune,
  },
  {
    name: 'evaluate', term: 'evaluate [options]',
    description: 'evaluate a fine-tuned model folder on a dataset split: accuracy, balanced accuracy, macro-F1, AUC, ECE, confusion',
    load: async () => (await import('./evaluate.ts')).registerEvaluate,
  },
  {
    name: 'predict', term: 'predict [options] <images...>',
    description: 'class probabilities of images with a fine-tuned model folder',
    load: async () => (await import('./predict.ts')).registerPredict,
  },
  {
    name: 'strategies', term: 'strategies [options]',
    description: 'list the fine-tuning strategies: what each trains, when, how fast; its hyper-parameters and defaults',
    load: async () => (await import('./strategies.ts')).registerStrategies,
  },
  {
    name: 'run', term: 'run [options] <file>',
    description: 'run an experiment grid (datasets × models × strategies × seeds) with a pool of workers; resume where it stopped; write the report',
    load: async () => (await import('./run.ts')).registerRun,
  },
  {
    name: 'report', term: 'report [options] <dir>',
    description: 'write the report of a run folder: report/index.html (self-contained, offline), report/report.md, report/results.csv',
    load: async () => (await import('./report.ts')).registerReport,
  },
  {
    name: 'export', term: 'export [options] <dir>',
    description: "save the best fine-tuned model of each case of a run (chosen on validation) as a model folder for 'medft evaluate' and 'medft predict'",
    load: async () => (await import('./export.ts')).registerExport,
  },
  {
    name: 'worker', term: 'worker [options]',
    description: 'take cells from a Redis queue filled by `medft run --queue` and run them, on this machine, until stopped',
    load: async () => (await import('./worker.ts')).registerWorker,
  },
  {
    name: 'status', term: 'status [options]',
    description: 'show the cells waiting, running, done and failed on a Redis queue',
    load: async () => (await import('./status.ts')).registerStatus,
  },
];

/** The one-line description of a command, for its module to use. */
export function summary(name: string): string {
  const c = COMMANDS.find((e) => e.name === name);
  if (!c) throw new Error(`no command '${name}' in the table`);
  return c.description;
}
