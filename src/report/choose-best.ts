/**
 * Per case, the strategy medft recommends: the best mean validation value of the experiment's metric over its seeds
 * (ties → the first strategy met), then that strategy's seed with the best validation value (ties → the smaller seed).
 * Validation only, never test, so the test split stays an honest estimate of the choice. `medft export` exports this
 * cell's model and the report's first screen names it.
 */
import { metricValue, type ReportCell } from './load.ts';

export interface BestChoice {
  caseName: string;
  /** Strategy label as in the report's tables. */
  strategy: string;
  /** Mean validation value of the metric over the strategy's done seeds, and how many there were. */
  meanVal: number;
  seeds: number;
  cell: ReportCell;
  /** The chosen cell's validation value. */
  val: number;
}

/** Per case, in the order cases first appear: the best strategy on validation and its best seed. */
export function chooseBest(cells: ReportCell[], metric: string): BestChoice[] {
  const cases = new Map<string, Map<string, ReportCell[]>>();
  for (const c of cells) {
    if (metricValue(c, 'val', metric) == null) continue;
    const byStrategy = cases.get(c.caseName) ?? new Map<string, ReportCell[]>();
    byStrategy.set(c.label, [...(byStrategy.get(c.label) ?? []), c]);
    cases.set(c.caseName, byStrategy);
  }
  const out: BestChoice[] = [];
  for (const [caseName, byStrategy] of cases) {
    let best: BestChoice | null = null;
    for (const [strategy, group] of byStrategy) {
      const meanVal = group.reduce((a, c) => a + metricValue(c, 'val', metric)!, 0) / group.length;
      if (best && meanVal <= best.meanVal) continue;
      const cell = [...group].sort((a, b) => metricValue(b, 'val', metric)! - metricValue(a, 'val', metric)! || a.seed - b.seed)[0];
      best = { caseName, strategy, meanVal, seeds: group.length, cell, val: metricValue(cell, 'val', metric)! };
    }
    out.push(best!);
  }
  return out;
}
