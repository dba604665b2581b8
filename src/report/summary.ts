/**
 * The report's first screen: per case, which strategy to use and how sure that is. The strategy is the one chosen on
 * validation (as `medft export` picks it), shown with its test value and bootstrap interval; beside it the
 * majority-class floor, and which strategies the paired tests on the test images cannot tell apart from it or from
 * always answering the majority class (Holm p ≥ 0.05). Nothing is computed here that src/report/paired-tests.ts,
 * intervals.ts or baselines.ts does not already compute; this file only picks and words.
 */
import type { BootstrapResult } from '../eval/index.ts';
import type { CaseMajority, MajorityView } from './baselines.ts';
import { chooseBest } from './choose-best.ts';
import { metricValue, type ReportCell } from './load.ts';
import { MAJORITY, pairedImageTests, type PairedRow } from './paired-tests.ts';
import { METRIC_LABELS, pointsWords } from './stats.ts';

/** The level below which a Holm-adjusted p counts as "distinguishable". */
export const ALPHA = 0.05;

export type Verdict = 'not distinguishable' | 'different' | 'mixed' | 'not tested';

export interface Versus {
  strategy: string;
  /** Mean test value over the strategy's done seeds, and its difference to the opponent's (null against the majority). */
  testMean: number | null;
  difference: number | null;
  /** Holm-adjusted p per seed where a paired test ran. */
  holm: { seed: number; p: number | null }[];
  verdict: Verdict;
}

export interface CaseSummary {
  caseName: string;
  metric: string;
  best: {
    strategy: string;
    meanVal: number;
    seeds: number;
    testMean: number | null;
    /** The chosen seed's cell (the model `medft export` gives), its test value and bootstrap interval. */
    cellId: string;
    seed: number;
    test: number | null;
    interval: BootstrapResult | null;
    images: number | null;
  };
  majority: CaseMajority | null;
  /** The test behind `versusBest` (McNemar for accuracy, DeLong or paired bootstrap otherwise). */
  bestTest: string | null;
  versusBest: Versus[];
  /** Every strategy, the chosen one included, against always answering the majority class (McNemar on accuracy). */
  versusMajority: Versus[];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

function verdictOf(holm: { p: number | null }[]): Verdict {
  const tested = holm.filter((h) => h.p != null);
  if (tested.length === 0) return 'not tested';
  const differs = tested.filter((h) => h.p! < ALPHA).length;
  return differs === 0 ? 'not distinguishable' : differs === tested.length ? 'different' : 'mixed';
}

function versus(strategy: string, rows: PairedRow[], testMean: number | null, opponentMean: number | null): Versus {
  const holm = rows.filter((r) => r.strategy === strategy).map((r) => ({ seed: r.seed, p: r.holm }));
  const difference = testMean != null && opponentMean != null ? testMean - opponentMean : null;
  return { strategy, testMean, difference, holm, verdict: verdictOf(holm) };
}

/** One summary per case with a finished cell that has validation values, in the order cases first appear. */
export function caseSummaries(cells: ReportCell[], metric: string, majority: MajorityView, intervals: Map<string, BootstrapResult>): CaseSummary[] {
  const out: CaseSummary[] = [];
  for (const choice of chooseBest(cells, metric)) {
    const inCase = cells.filter((c) => c.caseName === choice.caseName && c.status === 'done');
    const strategies = [...new Set(inCase.map((c) => c.label))];
    const testMean = (s: string) => mean(inCase.filter((c) => c.label === s).map((c) => metricValue(c, 'test', metric)).filter((v): v is number => v != null));
    // The same family as the paired-tests table (one case, seed, opponent, measure), with the chosen strategy as
    // the opponent; the measure is the report's metric.
    const paired = pairedImageTests(inCase, choice.strategy, metric).rows;
    const vsBest = paired.filter((r) => r.versus === choice.strategy && r.measure === metric);
    const vsMajority = paired.filter((r) => r.versus === MAJORITY && r.measure === 'accuracy');
    const bestMean = testMean(choice.strategy);
    const p = choice.cell.testPredictions;
    out.push({
      caseName: choice.caseName,
      metric,
      best: {
        strategy: choice.strategy, meanVal: choice.meanVal, seeds: choice.seeds, testMean: bestMean,
        cellId: choice.cell.id, seed: choice.cell.seed, test: metricValue(choice.cell, 'test', metric),
        interval: intervals.get(choice.cell.id) ?? null, images: p ? p.labels.length : null,
      },
      majority: majority.byCase.get(choice.caseName) ?? null,
      bestTest: vsBest[0]?.test ?? null,
      versusBest: strategies.filter((s) => s !== choice.strategy).map((s) => versus(s, vsBest, testMean(s), bestMean)),
      versusMajority: strategies.map((s) => versus(s, vsMajority, testMean(s), null)),
    });
  }
  return out;
}

function holmWords(v: Versus): string {
  const tested = v.holm.filter((h) => h.p != null);
  if (tested.length === 1) return tested[0].p! < 0.001 ? 'Holm p < 0.001' : `Holm p = ${tested[0].p!.toFixed(3)}`;
  const differs = tested.filter((h) => h.p! < ALPHA).length;
  return differs === 0 ? `Holm p ≥ ${ALPHA} on all ${tested.length} seeds` : `Holm p < ${ALPHA} on ${differs} of ${tested.length} seeds`;
}

const list = (xs: string[]) => (xs.length ? xs.join('; ') : 'none');

/** The first screen in sentences (index.html, report.md, and what `medft run` / `medft report` print). */
export function summaryLines(s: CaseSummary, majorityLine: string | undefined): string[] {
  const name = METRIC_LABELS[s.metric] ?? s.metric;
  const b = s.best;
  const f = (x: number | null) => (x == null ? '–' : x.toFixed(3));
  const interval = b.interval ? ` [${f(b.interval.lo)}, ${f(b.interval.hi)}] (95% bootstrap interval over ${b.images} test images)` : ' (no interval: the cell kept no test predictions)';
  const seeds = b.seeds > 1 ? `; mean test ${name} over its ${b.seeds} seeds ${f(b.testMean)}` : '';
  const lines = [`${s.caseName}: use ${b.strategy} (best validation ${name}${b.seeds > 1 ? ` averaged over ${b.seeds} seeds` : ''}, ${f(b.meanVal)}): test ${name} ${f(b.test)}${interval}, seed ${b.seed}${seeds}`];
  if (majorityLine) lines.push(majorityLine);
  const test = s.bestTest ? `${s.bestTest} on ${name}` : 'paired test';
  const words = (v: Versus) => (v.difference != null ? pointsWords(v.difference, b.strategy) : 'no test value');
  const same = s.versusBest.filter((v) => v.verdict === 'not distinguishable');
  const other = s.versusBest.filter((v) => v.verdict === 'different' || v.verdict === 'mixed');
  const untested = s.versusBest.filter((v) => v.verdict === 'not tested');
  if (s.versusBest.length) {
    lines.push(`${s.caseName}: not distinguishable from ${b.strategy} on the test images (${test}, Holm p ≥ ${ALPHA}): ${list(same.map((v) => `${v.strategy} (${words(v)}, ${holmWords(v)})`))}`);
    if (other.length) lines.push(`${s.caseName}: distinguishable from ${b.strategy} (Holm p < ${ALPHA}): ${list(other.map((v) => `${v.strategy} (${words(v)}, ${holmWords(v)})`))}`);
    if (untested.length) lines.push(`${s.caseName}: not compared with ${b.strategy} (no paired test on the same test images): ${untested.map((v) => v.strategy).join(', ')}`);
  }
  const floor = s.versusMajority.filter((v) => v.verdict === 'not distinguishable');
  if (s.versusMajority.some((v) => v.verdict !== 'not tested')) {
    const who = s.majority ? `always answering '${s.majority.className}'` : 'always answering the majority class';
    lines.push(floor.length
      ? `${s.caseName}: not distinguishable from ${who} (McNemar on accuracy, Holm p ≥ ${ALPHA}): ${floor.map((v) => v.strategy).join(', ')}`
      : `${s.caseName}: every strategy tested is distinguishable from ${who} (McNemar on accuracy, Holm p < ${ALPHA})`);
  }
  return lines;
}
