/**
 * `medft report <dir>`: results.db → `<dir>/report/index.html` (self-contained: inline CSS and SVG, no scripts, no
 * network), `<dir>/report/report.md` and `<dir>/report/results.csv`; on request the per-image predictions of every
 * done cell as `<dir>/report/predictions/<cellId>-<split>.csv`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricName } from '../eval/index.ts';
import { majorityLines, majorityView } from './baselines.ts';
import { calibrationSpec, confusionSpec, gainHeatmapSpec, learningCurvesSpec, rankSpec, renderSvg } from './charts.ts';
import { resultsCsv } from './csv.ts';
import { loadReportData, type ReportCell, type ReportData } from './load.ts';
import { writePredictionCsvs } from './predictions-csv.ts';
import { cellIntervals } from './intervals.ts';
import { pairedImageTests } from './paired-tests.ts';
import { caseDiagnostics, diagnosticsTable, perClassTable, positiveClass } from './per-class.ts';
import { rocPrSpec } from './curve-charts.ts';
import { esc, tableHtml, tableMarkdown } from './render.ts';
import type { LrSearch } from '../experiment/spec.ts';
import { HALVING_RULE, LR_RULE, selectLr } from './select-lr.ts';
import { computeStats, METRIC_LABELS } from './stats.ts';
import { caseSummaries, summaryLines, type CaseSummary } from './summary.ts';
import { cellsTable, improvementTable, lrTable, mainTable, metadataTable, pairedImagesTable, pairedTable, rankTable, type Table } from './tables.ts';

export { loadReportData, type ReportData } from './load.ts';
export { computeStats } from './stats.ts';
export { majoritySummary } from './baselines.ts';

export interface WrittenReport {
  htmlPath: string;
  markdownPath: string;
  csvPath: string;
  /** The first screen in sentences: per case the strategy to use, its interval, the majority-class baseline and which
   * strategies the paired tests cannot tell apart from either; then each strategy against the baseline strategy. */
  headline: string[];
  /** The same per case, as data. */
  summaries: CaseSummary[];
  /** With `predictions`: the folder, the CSV files written, and the done cells that kept no predictions. */
  predictions?: ReturnType<typeof writePredictionCsvs>;
}

export interface ReportOptions {
  /** Also write every done cell's per-image predictions as CSV. */
  predictions?: boolean;
  /** Two-class cases: the class (name or index) whose sensitivity, specificity, PPV and NPV are shown, instead of
   * the dataset's clinically positive class or the minority class. */
  positiveClass?: string;
}

const CSS = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right;white-space:nowrap}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
.note{color:#666;font-size:.9em;margin:.2em 0 1em}.headline li{margin:.2em 0}figure{margin:1em 0;overflow-x:auto}.warn{color:#a00}
#table-metadata td{text-align:left;white-space:normal}#table-cells td{font-size:.9em}`;

function groupByCase(cells: ReportCell[]): Map<string, ReportCell[]> {
  const m = new Map<string, ReportCell[]>();
  for (const c of cells) if (c.status === 'done') m.set(c.caseName, [...(m.get(c.caseName) ?? []), c]);
  return m;
}

export async function writeReport(dir: string, options: ReportOptions = {}): Promise<WrittenReport> {
  const data: ReportData = loadReportData(dir);
  const spec = data.experiment.spec as { metric?: string; baseline?: string; description?: string; lrSearch?: LrSearch };
  const metric = spec.metric ?? 'accuracy';
  // LR-grid candidates are reduced to the one chosen on validation before any statistic (all cells stay in the CSV).
  const { cells: analysed, choices } = selectLr(data.cells, metric, spec.lrSearch);
  const stats = computeStats(analysed, metric, spec.baseline ?? 'ft');
  const byCase = groupByCase(analysed);
  const halved = choices.some((c) => c.candidates.some((x) => x.stoppedAt));
  const halving = halved ? ` ${HALVING_RULE.replace('ETA', String(spec.lrSearch?.eta ?? '?')).replace('METRIC', METRIC_LABELS[metric] ?? metric)}.` : '';
  const rule = choices.length ? `LR grid: ${LR_RULE.replace('METRIC', METRIC_LABELS[metric] ?? metric)}.${halving}` : null;

  // Every result next to its floor and its uncertainty on the test images (DESIGN.md, "Fair evaluation").
  const majority = majorityView(analysed, metric);
  const intervals = cellIntervals(analysed, metric as MetricName);
  const summaries = caseSummaries(analysed, metric, majority, intervals);
  // majorityLines gives one line per case, in the order of majority.byCase.
  const floorLines = new Map([...majority.byCase.keys()].map((k, i) => [k, majorityLines(majority, analysed)[i]]));
  const perCaseLines = summaries.map((x) => ({ caseName: x.caseName, lines: summaryLines(x, floorLines.get(x.caseName)) }));
  for (const [caseName, line] of floorLines) if (!summaries.some((x) => x.caseName === caseName)) perCaseLines.push({ caseName, lines: [line] });
  const headline = [...perCaseLines.flatMap((x) => x.lines), ...stats.headline];
  const paired = pairedImageTests(analysed, stats.baseline, metric);
  const withoutPredictions = analysed.filter((c) => c.status === 'done' && !c.testPredictions).length;
  const predictionsNote = withoutPredictions ? `${withoutPredictions} done cell(s) kept no per-image predictions (recorded by an older medft): no bootstrap interval or paired test on the test images for them` : null;

  const statTables = [mainTable(stats, majority), improvementTable(stats), pairedTable(stats), pairedImagesTable(paired), rankTable(stats), lrTable(choices, metric, spec.lrSearch?.eta)]
    .filter((x): x is Table => x != null);
  const tail = [cellsTable({ ...data, cells: analysed }, { metric, intervals, majority: majority.byCell }), metadataTable({ ...data, cells: analysed })];
  // Per case: what a clinician reads first for a two-class test, then every class.
  const classTables = [...byCase].flatMap(([name, cs]) => [diagnosticsTable(name, caseDiagnostics(cs, options.positiveClass)), perClassTable(name, cs)])
    .filter((x): x is Table => x != null);
  const figure = async (spec: Parameters<typeof renderSvg>[0] | null, caption: string) => (spec ? `<figure>${await renderSvg(spec)}<figcaption class="note">${esc(caption)}</figcaption></figure>` : '');

  const heat = await figure(gainHeatmapSpec(stats), `gain of each strategy over ${stats.baseline} per case, in points of ${metric} (blue = better)`);
  const rank = await figure(rankSpec(stats), 'average rank of each strategy over the cases (1 = best)');
  // ROC and precision–recall of the positive class (as in the per-class section), first seed, two-class cases.
  const rocPr = (name: string, cells: ReportCell[]) => {
    const seed = Math.min(...cells.map((c) => c.seed));
    const first = cells.filter((c) => c.seed === seed && c.testPredictions);
    const positive = first.length ? positiveClass(first[0], options.positiveClass) : null;
    return positive ? rocPrSpec(`${name} · test split · seed ${seed}`, first.map((c) => ({ label: c.label, predictions: c.testPredictions! })), positive.index, positive.name) : null;
  };
  const perCase: string[] = [];
  for (const [name, cells] of byCase) {
    perCase.push(`<h3>${esc(name)}</h3>`,
      await figure(learningCurvesSpec(name, cells), 'training loss, validation loss, validation accuracy and validation AUC per epoch'),
      await figure(rocPr(name, cells), 'ROC (dashed: chance) and precision–recall (dashed: the positive share of the test split) on the test split, first seed'),
      await figure(confusionSpec(name, cells), 'confusion matrices on the test split'),
      await figure(calibrationSpec(name, cells), 'reliability diagram on the test split (dashed: perfect calibration)'));
  }
  const done = data.cells.filter((c) => c.status === 'done').length;
  const failed = data.cells.filter((c) => c.status === 'failed');
  const stopped = data.cells.filter((c) => c.status === 'stopped').length;
  const open = data.cells.length - done - failed.length - stopped;
  const status = `${done} of ${data.cells.length} cells done${failed.length ? `, ${failed.length} failed` : ''}${stopped ? `, ${stopped} LR candidate(s) stopped by successive halving` : ''}${open > 0 ? `, ${open} not run yet` : ''}`;
  const title = `medft report: ${data.experiment.name}`;
  const metricName = METRIC_LABELS[metric] ?? metric;

  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(title)}</h1>
${spec.description ? `<p>${esc(spec.description)}</p>` : ''}
<p>${esc(status)} · metric: test ${esc(metricName)} · baseline: ${esc(stats.baseline)}</p>
${rule ? `<p>${esc(rule)}</p>\n` : ''}${stats.note ? `<p class="warn">${esc(stats.note)}</p>` : ''}${predictionsNote ? `<p class="warn">${esc(predictionsNote)}</p>` : ''}
${perCaseLines.length ? `<h2>Which strategy to use</h2>\n${perCaseLines.map((x) => `<section class="summary" data-case="${esc(x.caseName)}"><h3>${esc(x.caseName)}</h3><ul class="headline">${x.lines.map((h) => `<li>${esc(h.startsWith(`${x.caseName}: `) ? h.slice(x.caseName.length + 2) : h)}</li>`).join('')}</ul></section>`).join('\n')}` : ''}
${stats.headline.length ? `<h2>Each strategy against ${esc(stats.baseline)}, across cases</h2><ul class="headline">${stats.headline.map((h) => `<li>${esc(h)}</li>`).join('')}</ul>` : ''}
<h2>Results</h2>
${statTables.map((tb) => `<h3>${esc(tb.title)}</h3>\n${tableHtml(tb)}`).join('\n')}
${classTables.length ? `<h2>Per class</h2>\n${classTables.map((tb) => `<h3>${esc(tb.title)}</h3>\n${tableHtml(tb)}`).join('\n')}` : ''}
${heat || rank ? `<h2>Comparison charts</h2>${heat}${rank}` : ''}
${perCase.length ? `<h2>Learning curves, ROC and precision–recall, confusion matrices, calibration</h2>${perCase.join('\n')}` : ''}
${tail.map((tb) => `<h2>${esc(tb.title)}</h2>\n${tableHtml(tb)}`).join('\n')}
<p class="note">written by medft ${esc(new Date().toISOString())} from ${esc(join(data.dir, 'results.db'))}</p>
</body></html>
`;
  const md = [`# ${title}`, '', spec.description ?? '', '', `${status} · metric: test ${metricName} · baseline: ${stats.baseline}`, '',
    ...(rule ? [rule, ''] : []),
    ...(stats.note ? [`> ${stats.note}`, ''] : []),
    ...(predictionsNote ? [`> ${predictionsNote}`, ''] : []),
    ...(perCaseLines.length ? ['## Which strategy to use', '', ...perCaseLines.flatMap((x) => x.lines.map((h) => `- ${h}`)), ''] : []),
    ...(stats.headline.length ? [`## Each strategy against ${stats.baseline}, across cases`, '', ...stats.headline.map((h) => `- ${h}`), ''] : []),
    ...[...statTables, ...classTables, ...tail].flatMap((tb) => [`## ${tb.title}`, '', tableMarkdown(tb), '']),
    'Charts (gain heat map, ranks, learning curves, ROC and precision–recall curves, confusion matrices, calibration): see index.html.', ''].join('\n');

  const out = join(dir, 'report');
  mkdirSync(out, { recursive: true });
  const htmlPath = join(out, 'index.html');
  const markdownPath = join(out, 'report.md');
  const csvPath = join(out, 'results.csv');
  writeFileSync(htmlPath, html);
  writeFileSync(markdownPath, md);
  writeFileSync(csvPath, resultsCsv(data, choices));
  const predictions = options.predictions ? writePredictionCsvs(data.dir, data.cells) : undefined;
  return { htmlPath, markdownPath, csvPath, headline, summaries, ...(predictions ? { predictions } : {}) };
}
