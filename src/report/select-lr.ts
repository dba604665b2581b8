/**
 * Fair tuning: the cells of an LR grid are candidates, not results. For every (dataset, model, strategy, seed) the
 * candidate with the best validation value of the experiment's metric is kept (ties → the smaller LR) and the others
 * leave the analysis, so every table, test and chart sees one cell per group. Test metrics play no part in the choice.
 */
import { canonicalJson } from '../experiment/cells.ts';
import { metricValue, type ReportCell } from './load.ts';

export interface LrChoice {
  caseName: string;
  strategy: string;
  seed: number;
  /** Every candidate in LR order, with its validation value (null until it is done). */
  candidates: { lr: number; val: number | null; status: string }[];
  /** null while no candidate has a validation value. */
  chosen: number | null;
}

export const LR_RULE = 'the LR of each (dataset, model, strategy, seed) is the grid candidate with the best validation METRIC (ties → the smaller LR); only that cell\'s test metrics enter the tables, tests and charts, and the test split plays no part in the choice';

const valueOf = (c: ReportCell, metric: string) => metricValue(c, 'val', metric);

/** The cells the analysis uses (grid groups reduced to their chosen cell, other cells as they are) and the choices. */
export function selectLr(cells: ReportCell[], metric: string): { cells: ReportCell[]; choices: LrChoice[] } {
  const groups = new Map<string, ReportCell[]>();
  for (const c of cells) {
    if (!c.config.lrCandidate) continue;
    const key = canonicalJson({ ...c.config, lr: undefined });
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const keep = new Set<ReportCell>(cells.filter((c) => !c.config.lrCandidate));
  const choices: LrChoice[] = [];
  for (const group of groups.values()) {
    const sorted = [...group].sort((a, b) => a.config.lr - b.config.lr);
    let best: ReportCell | null = null;
    for (const c of sorted) {
      const v = valueOf(c, metric);
      if (v != null && (best == null || v > valueOf(best, metric)!)) best = c; // strictly better: a tie keeps the smaller LR
    }
    if (best) keep.add(best);
    choices.push({
      caseName: group[0].caseName, strategy: group[0].label, seed: group[0].seed,
      candidates: sorted.map((c) => ({ lr: c.config.lr, val: valueOf(c, metric), status: c.status })),
      chosen: best?.config.lr ?? null,
    });
  }
  return { cells: cells.filter((c) => keep.has(c)), choices };
}
