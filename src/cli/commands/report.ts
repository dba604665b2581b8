import type { Command } from 'commander';
import { summary } from './table.ts';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(summary('report'))
    .argument('<dir>', "the --out folder of 'medft run' (holds results.db)")
    .option('--positive-class <name|index>', "two-class cases: the class whose sensitivity, specificity, PPV and NPV are shown (default: the dataset's clinically positive class where medft knows it, e.g. BreastMNIST 'malignant', else the class with fewer test images)")
    .option('--json', 'print one JSON object on stdout (files written; per case the strategy to use, its interval, the baseline, the paired verdicts) instead of text')
    .option('--predictions', "also write each done cell's per-image val/test predictions: report/predictions/<cell>-<split>.csv")
    .addHelpText('after', `
The report covers the latest experiment run into <dir>: the strategy × case table (mean ± CI over seeds, best per case
in bold), improvements over the baseline with sign tests, paired tests, average ranks with Friedman and Nemenyi,
learning curves, confusion matrices, calibration and run metadata. It can be written while a run is still going.

Examples:
  medft report runs/default
  medft report runs/default --predictions
  medft report runs/default --positive-class 'normal, benign'
  medft report runs/default --json --quiet | jq '.summaries[].best'
  medft report runs/grid && xdg-open runs/grid/report/index.html`)
    .action(async (dir: string, opts: { predictions?: boolean; positiveClass?: string; json?: boolean }) => {
      const { writeReport } = await import('../../report/index.ts');
      const r = await writeReport(dir, { predictions: opts.predictions, positiveClass: opts.positiveClass });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ html: r.htmlPath, markdown: r.markdownPath, csv: r.csvPath, predictions: r.predictions ?? null, summaries: r.summaries, headline: r.headline }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${r.headline.map((l) => `${l}\n`).join('')}report: ${r.htmlPath}\nmarkdown: ${r.markdownPath}\ncsv: ${r.csvPath}\n`);
      const p = r.predictions;
      if (p) {
        process.stdout.write(`predictions: ${p.files.length} file(s) in ${p.dir}\n`);
        // Cells recorded by an older medft have metrics but no per-image predictions.
        if (p.cellsWithout.length) process.stderr.write(`${p.cellsWithout.length} done cell(s) kept no predictions (recorded before medft kept them): ${p.cellsWithout.join(', ')}\n`);
      }
    });
}
