import type { Command } from 'commander';
import { registerBench } from './bench.ts';
import { registerDatasets } from './datasets.ts';
import { registerEvaluate } from './evaluate.ts';
import { registerExport } from './export.ts';
import { registerFinetune } from './finetune.ts';
import { registerModels } from './models.ts';
import { registerPredict } from './predict.ts';
import { registerReport } from './report.ts';
import { registerRun } from './run.ts';
import { registerStatus } from './status.ts';
import { registerStrategies } from './strategies.ts';
import { registerWorker } from './worker.ts';
import { addQuiet } from '../quiet.ts';
import { configureHelp, pointUsageErrorsAtHelp } from '../help.ts';

/** One line per command; each command lives in its own file. */
export function registerCommands(program: Command): void {
  configureHelp(program);
  registerBench(program);
  registerDatasets(program);
  registerModels(program);
  registerFinetune(program);
  registerEvaluate(program);
  registerPredict(program);
  registerStrategies(program);
  registerRun(program);
  registerReport(program);
  registerExport(program);
  registerWorker(program);
  registerStatus(program);
  addQuiet(program);
  pointUsageErrorsAtHelp(program);
}
