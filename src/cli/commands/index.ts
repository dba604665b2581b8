import type { Command } from 'commander';
import { registerBench } from './bench.ts';
import { registerDatasets } from './datasets.ts';
import { registerModels } from './models.ts';

/** One line per command; each command lives in its own file. */
export function registerCommands(program: Command): void {
  registerBench(program);
  registerDatasets(program);
  registerModels(program);
}
