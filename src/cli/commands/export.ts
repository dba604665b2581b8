import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { withOutDir } from '../out-option.ts';
import { summary } from './table.ts';

interface ExportCliOptions { out: string; case?: string; download?: boolean; progress: boolean; json?: boolean }

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(summary('export'))
    .argument('<dir>', "the --out folder of 'medft run' (holds results.db)")
    .requiredOption('--out <dir>', 'where to write <out>/<case>/ (model.json, weights.bin, medft.json, metrics.json)')
    .option('--case <name>', "only this case, as the report names it (e.g. 'breastmnist × resnet50')")
    .option('--download', 'download MedMNIST datasets that are not found locally (when a cell must be trained again)')
    .option('--json', 'print one JSON array on stdout: per case the folder written, strategy, seed, cell, stored and reproduced test value')
    .option('--no-progress', 'no line per epoch while a cell is trained again')
    .addHelpText('after', `
The best model of a case is chosen on the validation split only: the strategy with the best mean validation value
of the experiment's metric over its seeds, then that strategy's seed with the best validation value. A run with
'keepModels: true' already holds the model and it is copied; otherwise the cell is trained again from its stored
config on the engine it ran on (same backend and accelerator threads), which gives the same model, and the
reproduced test value is printed next to the stored one.

Examples:
  medft export runs/default --out models
  medft export runs/grid --out models --case 'breastmnist × resnet50'`)
    .action(withOutDir({ keep: hasModel }, async (dir: string, opts: ExportCliOptions) => {
      const { exportBestModels } = await import('../../report/best-model.ts');
      const { engineChoicesFromEnv, pathsFromEnv } = await import('../../settings.ts');
      const models = await exportBestModels(dir, {
        engine: engineChoicesFromEnv(), paths: pathsFromEnv(),
        out: opts.out, caseName: opts.case, download: opts.download,
        log: (l) => process.stderr.write(`${l}\n`),
        events: opts.progress ? { onEpochEnd: (r) => process.stderr.write(`  epoch ${r.epoch} [${r.phase}] loss ${r.trainLoss.toFixed(4)}\n`) } : {},
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(models.map((m) => ({
          case: m.caseName, strategy: m.strategy, seed: m.cell.seed, cell: m.cell.id, dir: m.dir, source: m.source, metric: m.metric,
          meanVal: m.meanVal, seeds: m.seeds, val: m.val, storedTest: m.storedTest, reproducedTest: m.reproducedTest,
        })), null, 2)}\n`);
        return;
      }
      for (const m of models) {
        const check = m.reproducedTest == null ? 'copied from the run'
          : `reproduced test ${m.metric} ${m.reproducedTest.toFixed(4)} (stored ${m.storedTest?.toFixed(4) ?? '–'})${m.storedTest != null && Math.abs(m.reproducedTest - m.storedTest) > 1e-9 ? ' — differs: another backend, thread count or medft version than the run' : ''}`;
        process.stdout.write(`${m.caseName}: ${m.strategy}, seed ${m.cell.seed} → ${m.dir} (${check})\n`);
      }
    }));
}

/** A case already exported (or a cell being trained again, with its checkpoint) is worth keeping after a failure. */
const hasModel = (dir: string) => readdirSync(dir).some((c) => existsSync(join(dir, c, 'model.json')) || existsSync(join(dir, c, 'checkpoint')));
