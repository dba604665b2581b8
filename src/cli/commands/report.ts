import type { Command } from 'commander';
import { summary } from './table.ts';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(summary('report'))
    .argument('<dir>', "the --out folder of 'medft run' (holds results.db)")
    .addHelpText('after', `
The report covers the latest experiment run into <dir>: the strategy × case table (mean ± CI over seeds, best per case
in bold), improvements over the baseline with sign tests, paired tests, average ranks with Friedman and Nemenyi,
learning curves, confusion matrices, calibration and run metadata. It can be written while a run is still going.

Examples:
  medft report runs/default
  medft report runs/grid && xdg-open runs/grid/report/index.html`)
    .action(async (dir: string) => {
      const { writeReport } = await import('../../report/index.ts');
      const r = await writeReport(dir);
      process.stdout.write(`${r.headline.map((l) => `${l}\n`).join('')}report: ${r.htmlPath}\nmarkdown: ${r.markdownPath}\ncsv: ${r.csvPath}\n`);
    });
}
