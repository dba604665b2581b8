/**
 * The report's tables as plain data (rendered to HTML and Markdown elsewhere): strategy × case (mean ± CI, best per
 * case in bold, the majority-class baseline), improvements over the baseline, paired tests over seeds and on the test
 * images, ranks, per-cell results (with bootstrap intervals and baselines) and run metadata.
 */
import type { BootstrapResult } from '../eval/index.ts';
import type { MajorityView } from './baselines.ts';
import { CELL_BOOTSTRAP } from './intervals.ts';
import { MAJORITY, PAIRED_BOOTSTRAP, type PairedImages } from './paired-tests.ts';
import type { ReportData, ReportCell } from './load.ts';
import type { LrChoice } from './select-lr.ts';
import { METRIC_LABELS, MIN_CASES_FOR_SHARE, type Stats } from './stats.ts';

export interface TCell {
  text: string;
  bold?: boolean;
  /** data-* attributes in the HTML (machine-readable values for tests and scripts). */
  data?: Record<string, string | number>;
}

export interface Table {
  id: string;
  title: string;
  note?: string;
  columns: string[];
  rows: TCell[][];
}

const f3 = (x: number | null | undefined) => (x == null ? '–' : x.toFixed(3));
const p3 = (x: number | null | undefined) => (x == null ? '–' : x < 0.001 ? '< 0.001' : x.toFixed(3));
const t = (text: string, extra: Partial<TCell> = {}): TCell => ({ text, ...extra });

/** Strategy × case means, with the majority-class baseline as the last row and every mean below it marked. */
export function mainTable(stats: Stats, majority?: MajorityView): Table | null {
  const c = stats.comparison;
  if (!c) return null;
  const byKey = new Map(c.cells.map((x) => [`${x.case}\u0000${x.strategy}`, x]));
  const best = new Map<string, number>();
  for (const cs of c.cases) {
    const means = c.strategies.map((s) => byKey.get(`${cs}\u0000${s}`)?.mean).filter((m): m is number => m != null);
    if (means.length) best.set(cs, c.higherIsBetter ? Math.max(...means) : Math.min(...means));
  }
  const rows = c.strategies.map((s) => [t(s), ...c.cases.map((cs) => {
    const x = byKey.get(`${cs}\u0000${s}`);
    if (!x) return t('–');
    const half = x.ci ? (x.ci.hi - x.ci.lo) / 2 : null;
    const base = majority?.byCase.get(cs)?.value;
    const below = base != null && x.mean < base;
    return t(`${f3(x.mean)}${half != null ? ` ± ${half.toFixed(3)}` : ''}${below ? ' ▼' : ''}`, {
      bold: x.mean === best.get(cs),
      data: { case: cs, strategy: s, mean: x.mean, n: x.n, ...(x.ci ? { lower: x.ci.lo, upper: x.ci.hi } : {}), ...(below ? { below: 1 } : {}) },
    });
  })]);
  if (majority?.byCase.size) {
    rows.push([t('majority class'), ...c.cases.map((cs) => {
      const m = majority.byCase.get(cs);
      return m?.value != null ? t(`${f3(m.value)}`, { data: { case: cs, majority: m.value } }) : t('–');
    })]);
  }
  const seeds = Math.max(...c.cells.map((x) => x.n));
  const floor = majority?.byCase.size ? `; last row: always answering the test split's most frequent class, ▼ a mean below it` : '';
  return {
    id: 'main',
    title: `Test ${METRIC_LABELS[stats.metric] ?? stats.metric} per strategy and case`,
    note: (seeds > 1 ? `mean ± half-width of the ${Math.round(c.level * 100)}% t interval over seeds; best per case in bold`
      : 'one seed per cell, so no interval over seeds (add seeds for confidence intervals); best per case in bold') + floor,
    columns: ['strategy', ...c.cases],
    rows,
  };
}

export function improvementTable(stats: Stats): Table | null {
  const c = stats.comparison;
  if (!c || c.wins.length === 0) return null;
  const few = (w: { cases: number }) => w.cases < MIN_CASES_FOR_SHARE;
  const rows = c.wins.map((w) => {
    const g = c.largestGain.find((x) => x.strategy === w.strategy);
    return [
      t(w.strategy),
      t(`${w.wins} of ${w.cases}`, { data: { strategy: w.strategy, wins: w.wins, cases: w.cases, share: w.share } }),
      t(few(w) ? '–' : `${(100 * w.share).toFixed(0)}%`, { bold: !few(w) && w.share > 0.5 }),
      t(`${w.ties} / ${w.losses}`),
      t(few(w) ? '–' : p3(w.signTestP)),
      t(g ? `${g.meanGain >= 0 ? '+' : '−'}${Math.abs(100 * g.meanGain).toFixed(2)}` : '–'),
      t(g ? `${g.gain >= 0 ? '+' : '−'}${Math.abs(100 * g.gain).toFixed(2)}${g.relativeGain != null ? ` (${g.relativeGain >= 0 ? '+' : '−'}${Math.abs(100 * g.relativeGain).toFixed(1)}% relative)` : ''} on ${g.case}` : '–'),
    ];
  });
  return {
    id: 'improves',
    title: `Better than ${c.baseline}?`,
    note: `wins = cases where the strategy's mean beats ${c.baseline}'s; share and sign test (wins against losses) only from ${MIN_CASES_FOR_SHARE} cases on — with fewer, a share overstates and no sign test can reach p < 0.05; ` +
      `differences are strategy − ${c.baseline} in points of ${METRIC_LABELS[stats.metric] ?? stats.metric} (negative: lower than ${c.baseline}); best case = the case where the strategy does best against ${c.baseline}`,
    columns: ['strategy', 'wins / cases', 'share of cases', 'ties / losses', 'sign-test p', 'mean difference (pts)', 'best case (pts)'],
    rows,
  };
}

export function pairedTable(stats: Stats): Table | null {
  const c = stats.comparison;
  const rows = (c?.paired ?? []).filter((p) => p.tTest).map((p) => [
    t(p.case), t(p.strategy), t(String(p.seeds.length)), t(`${p.meanDiff >= 0 ? '+' : ''}${(100 * p.meanDiff).toFixed(2)}`),
    t(p.tTest?.ci ? `[${(100 * p.tTest.ci.lo).toFixed(2)}, ${(100 * p.tTest.ci.hi).toFixed(2)}]` : '–'),
    t(p3(p.tTest?.p)), t(p3(p.wilcoxon?.p)),
  ]);
  if (!c || rows.length === 0) return null;
  return {
    id: 'paired',
    title: `Paired differences to ${c.baseline} over seeds`,
    columns: ['case', 'strategy', 'seeds', 'mean diff (pts)', `${Math.round(c.level * 100)}% CI (pts)`, 'paired t p', 'Wilcoxon p'],
    rows,
  };
}

export function rankTable(stats: Stats): Table | null {
  const r = stats.ranks;
  if (!r) return null;
  const f = stats.comparison?.ranks ?? null;
  const order = r.strategies.map((s, i) => ({ s, rank: r.averageRanks[i] })).sort((a, b) => a.rank - b.rank);
  return {
    id: 'ranks',
    title: 'Average ranks',
    note: f ? `Friedman χ² = ${f.chiSquare.toFixed(2)} (df ${f.df}), p = ${p3(f.p)}; Iman–Davenport F = ${f.imanDavenport.f == null ? '–' : f.imanDavenport.f.toFixed(2)}, p = ${p3(f.imanDavenport.p)}; Nemenyi CD = ${r.cd == null ? '–' : r.cd.toFixed(2)} over ${r.cases} cases`
      : `ranks over ${r.cases} case(s); the Friedman test and the critical difference need at least 2 cases`,
    columns: ['strategy', 'average rank'],
    rows: order.map((o) => [t(o.s), t(o.rank.toFixed(2), { data: { strategy: o.s, rank: o.rank } })]),
  };
}

/** A candidate in the LR table: its validation value, or its status; where successive halving stopped it, or that it was chosen. */
function candidateText(x: LrChoice['candidates'][number], chosen: boolean, halving: boolean): string {
  const head = `${x.lr}: ${x.val != null ? f3(x.val) : x.status}`;
  if (x.stoppedAt) return `${head} (${x.stoppedAt.rung != null ? `stopped at epoch ${x.stoppedAt.epoch}, rung ${x.stoppedAt.rung}` : `at epoch ${x.stoppedAt.epoch}, waiting for its rung`})`;
  return halving && chosen ? `${head} (chosen)` : head;
}

export function lrTable(choices: LrChoice[], metric: string, eta?: number): Table | null {
  if (choices.length === 0) return null;
  const name = METRIC_LABELS[metric] ?? metric;
  const halving = choices.some((c) => c.candidates.some((x) => x.stoppedAt));
  return {
    id: 'lr',
    title: 'LR chosen on validation',
    note: `per group the candidate with the best validation ${name} (ties → the smaller LR); test metrics are not looked at` +
      (halving ? `; successive halving${eta ? ` (η ${eta})` : ''}: a stopped candidate shows its validation ${name} at the rung it stopped at (rungs counted from 0; ties there → the lower validation loss, then the smaller LR), and one candidate per group trained all epochs` : ''),
    columns: ['case', 'strategy', 'seed', `candidates (validation ${name})`, 'chosen LR'],
    rows: choices.map((c) => [
      t(c.caseName), t(c.strategy), t(String(c.seed)),
      t(c.candidates.map((x) => candidateText(x, x.lr === c.chosen, halving)).join(' · ')),
      t(c.chosen != null ? String(c.chosen) : '– (no candidate done)', { data: { case: c.caseName, strategy: c.strategy, seed: c.seed, lr: c.chosen ?? '' } }),
    ]),
  };
}

/** What the per-cell table shows beside each cell's value of the report's metric. */
export interface CellExtras {
  metric: string;
  /** Bootstrap interval over the cell's test images (cells that kept predictions). */
  intervals: Map<string, BootstrapResult>;
  /** The majority-class baseline on the cell's own test split, and whether the cell is below it. */
  majority: Map<string, { value: number | null; below: boolean }>;
}

export const BELOW_MARK = '▼ below majority';

export function cellsTable(data: ReportData, extras?: CellExtras): Table {
  const name = extras ? METRIC_LABELS[extras.metric] ?? extras.metric : '';
  const value = (c: ReportCell) => (c.test as unknown as Record<string, number | null> | null)?.[extras!.metric] ?? null;
  const interval = (c: ReportCell): TCell => {
    const ci = extras!.intervals.get(c.id);
    const v = value(c);
    if (v == null) return t('–');
    return t(`${f3(v)}${ci ? ` [${f3(ci.lo)}, ${f3(ci.hi)}]` : ''}`, { data: { cell: c.id, value: v, ...(ci ? { lower: ci.lo, upper: ci.hi } : {}) } });
  };
  const majority = (c: ReportCell): TCell => {
    const m = extras!.majority.get(c.id);
    if (!m || m.value == null) return t('–');
    return t(`${f3(m.value)}${m.below ? ` ${BELOW_MARK}` : ''}`, { data: { cell: c.id, majority: m.value, below: m.below ? 1 : 0 } });
  };
  return {
    id: 'cells',
    title: 'Cells',
    ...(extras ? { note: `${name} [${Math.round(CELL_BOOTSTRAP.level * 100)}% percentile bootstrap interval over the cell's test images]; majority: the same metric for always predicting the test split's most frequent class, ${BELOW_MARK} when the cell scores less` } : {}),
    columns: ['cell', 'case', 'strategy', 'seed', 'status', ...(extras ? [`test ${name} [${Math.round(CELL_BOOTSTRAP.level * 100)}% CI]`, 'majority'] : []),
      'test acc', 'bal. acc', 'macro-F1', 'AUC', 'ECE', 'NLL', 'best epoch', 'seconds'],
    rows: data.cells.map((c: ReportCell) => {
      const best = c.epochs.find((e) => e.best && e.epoch === Math.max(...c.epochs.filter((x) => x.best).map((x) => x.epoch)));
      return [
        t(c.id), t(c.caseName), t(c.label), t(String(c.seed)), t(c.status === 'failed' ? `failed: ${c.error}` : c.status),
        ...(extras ? [interval(c), majority(c)] : []),
        t(f3(c.test?.accuracy), c.test ? { data: { cell: c.id, accuracy: c.test.accuracy } } : {}), t(f3(c.test?.balancedAccuracy)),
        t(f3(c.test?.macroF1)), t(f3(c.test?.macroAuc)), t(f3(c.test?.ece)), t(f3(c.test?.nll)),
        t(best ? String(best.epoch) : '–'), t(c.timings.total != null ? c.timings.total.toFixed(1) : '–'),
      ];
    }),
  };
}

/** The files a run with skipBad left out: how many, and the first few. */
const skippedFiles = (files: { file: string }[]) =>
  `${files.length}${files.length ? `: ${files.slice(0, 10).map((f) => f.file).join(', ')}${files.length > 10 ? `, … (${files.length - 10} more in the cell's environment)` : ''}` : ' (every file was usable)'}`;

export function metadataTable(data: ReportData): Table {
  const seen = new Set<string>();
  const rows: TCell[][] = [];
  const add = (k: string, v: string) => { if (!seen.has(`${k}=${v}`)) { seen.add(`${k}=${v}`); rows.push([t(k), t(v)]); } };
  add('experiment', `${data.experiment.name} (${data.experiment.id}) from ${data.experiment.file}`);
  add('first run / last run', `${data.experiment.createdAt} / ${data.experiment.updatedAt}`);
  add('seeds', [...new Set(data.cells.map((c) => c.seed))].join(', '));
  for (const c of data.cells) {
    const env = c.environment as { medftVersion?: string; engine?: Record<string, unknown>; platform?: string; data?: { name: string; source: string; method: string; splits: Record<string, { size: number; sha256: string; classCounts: number[] }> }; model?: { name: string; inputSize: number; params: number } } | null;
    if (!env) continue;
    add('medft', env.medftVersion ?? '?');
    if (env.engine) add('engine', `backend ${env.engine.backend}, ${env.engine.threads} thread(s), tfjs ${env.engine.tfjsVersion}, node ${env.engine.nodeVersion}, accelerator ${env.engine.accelerator ?? 'none'}, ${env.platform}`);
    if (env.model) add(`model ${env.model.name}`, `${env.model.inputSize} px, ${env.model.params.toLocaleString('en-US')} parameters, weights ${c.config.model.weights ?? 'random initialisation'}`);
    if (env.data) {
      const s = env.data.splits;
      add(`data ${c.config.dataset.name}`, `${env.data.source}; split ${env.data.method}${c.config.dataset.subset ? ` (subset ${JSON.stringify(c.config.dataset.subset)})` : ''}: ` +
        Object.entries(s).map(([k, v]) => `${k} ${v.size} [${v.classCounts.join('/')}] sha256 ${v.sha256.slice(0, 12)}`).join(', '));
    }
    const skip = (env as { data?: { skipBad?: boolean; skipped?: { file: string }[] } }).data;
    if (skip?.skipBad) add(`bad files skipped, ${c.config.dataset.name}`, skippedFiles(skip.skipped ?? []));
  }
  const cfg = data.cells[0]?.config;
  if (cfg) add('loop', `${cfg.epochs} epochs, base lr ${data.cells.some((c) => c.config.lrCandidate) ? 'from the LR grid (see LR chosen on validation)' : cfg.lr}, ${JSON.stringify(cfg.train)}`);
  return { id: 'metadata', title: 'Run metadata', columns: ['what', 'value'], rows };
}

const MEASURE_LABELS: Record<string, string> = { ...METRIC_LABELS, macroAuc: 'AUC' };

/** One row per paired comparison on the test images (src/report/paired-tests.ts), next to the seed-level tests. */
export function pairedImagesTable(p: PairedImages): Table | null {
  if (p.rows.length === 0) return null;
  const level = PAIRED_BOOTSTRAP.level;
  const pts = (x: number | null) => (x == null ? '–' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}`);
  return {
    id: 'paired-images',
    title: 'Paired tests on the test images',
    note: `each strategy's cell against the same case and seed's ${p.rows.find((r) => r.versus !== MAJORITY)?.versus ?? 'baseline'} cell (the same images) and against always answering the majority class; ` +
      `Δ = strategy − opponent in points; accuracy: exact McNemar (detail: images only the strategy / only the opponent gets right); AUC: DeLong (2 classes) or paired bootstrap; ` +
      `balanced accuracy and macro-F1: paired bootstrap (${PAIRED_BOOTSTRAP.resamples} resamples, ${Math.round(level * 100)}% percentile interval); Holm over the strategies of one case, seed, opponent and measure` +
      (p.skipped.length ? `. Not compared: ${p.skipped.join('; ')}` : ''),
    columns: ['case', 'seed', 'strategy', 'vs', 'measure', 'test', 'strategy value', 'opponent value', 'Δ (pts)', `${Math.round(level * 100)}% CI (pts)`, 'detail', 'p', 'Holm p'],
    rows: p.rows.map((r) => [
      t(r.caseName), t(String(r.seed)), t(r.strategy), t(r.versus), t(MEASURE_LABELS[r.measure] ?? r.measure), t(r.test),
      t(f3(r.a)), t(f3(r.b)), t(pts(r.difference)), t(r.interval ? `[${pts(r.interval.lo)}, ${pts(r.interval.hi)}]` : '–'), t(r.detail || '–'),
      t(p3(r.p), { data: { case: r.caseName, seed: r.seed, strategy: r.strategy, vs: r.versus, measure: r.measure, p: r.p ?? '', diff: r.difference ?? '' } }),
      t(p3(r.holm), { bold: r.holm != null && r.holm < 0.05, data: { holm: r.holm ?? '' } }),
    ]),
  };
}
