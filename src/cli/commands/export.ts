import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { exportBestModels } from '../../report/best-model.ts';
import { withOutDir } from '../out-option.ts';

interface ExportCliOptions { out: string; case?: string; download?: boolean; progress: boolean }

export function registerExport(program: Command): void {
  program
    .command('export')
    .description("save the best fine-tuned model of each case of a run (chosen on validation) as a model folder for 'medft evaluate' and 'medft predict'")
    .argument('<dir>', "the --out folder of 'medft run' (holds results.db)")
    .requiredOption('--out <dir>', 'where to write <out>/<case>/ (model.json, weights.bin, medft.json, metrics.json)')
    .option('--case <name>', "only this case, as the report names it (e.g. 'breastmnist × resnet50')")
    .option('--download', 'download MedMNIST datasets that are not found locally (when a cell must be trained again)')
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
      const models = await exportBestModels(dir, {
        out: opts.out, caseName: opts.case, download: opts.download,
        log: (l) => process.stderr.write(`${l}\n`),
        events: opts.progress ? { onEpochEnd: (r) => process.stderr.write(`  epoch ${r.epoch} [${r.phase}] loss ${r.trainLoss.toFixed(4)}\n`) } : {},
      });
      for (const m of models) {
        const check = m.reproducedTest == null ? 'copied from the run'
          : `reproduced test ${m.metric} ${m.reproducedTest.toFixed(4)} (stored ${m.storedTest?.toFixed(4) ?? '–'})${m.storedTest != null && Math.abs(m.reproducedTest - m.storedTest) > 1e-9 ? ' — differs: another backend, thread count or medft version than the run' : ''}`;
        process.stdout.write(`${m.caseName}: ${m.strategy}, seed ${m.cell.seed} → ${m.dir} (${check})\n`);
      }
    }));
}

/** A case already exported (or a cell being trained again, with its checkpoint) is worth keeping after a failure. */
const hasModel = (dir: string) => readdirSync(dir).some((c) => existsSync(join(dir, c, 'model.json')) || existsSync(join(dir, c, 'checkpoint')));
