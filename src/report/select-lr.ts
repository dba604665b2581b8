/**
 * Fair tuning: the cells of an LR grid are candidates, not results. For every (dataset, model, strategy, seed) the
 * candidate with the best validation value of the experiment's metric is kept (ties → the smaller LR) and the others
 * leave the analysis, so every table, test and chart sees one cell per group. Test metrics play no part in the choice.
 * Under successive halving only one candidate per group finishes; the others show where they were stopped.
 */
import { decideGroup, groupRungs, lrGroups, rungValue } from '../experiment/halving.ts';
import type { LrSearch } from '../experiment/spec.ts';
import { metricValue, type ReportCell } from './load.ts';

export interface LrChoice {
  caseName: string;
  strategy: string;
  seed: number;
  /**
   * Every candidate in LR order, with its validation value: the final one when done; for one stopped by successive
   * halving, its standing at the epoch it stopped at (`rung` null: waiting there for the rest of its rung).
   */
  candidates: { lr: number; val: number | null; status: string; stoppedAt: { epoch: number; rung: number | null } | null }[];
  /** null while no candidate has a validation value. */
  chosen: number | null;
}

export const LR_RULE = 'the LR of each (dataset, model, strategy, seed) is the grid candidate with the best validation METRIC (ties → the smaller LR); only that cell\'s test metrics enter the tables, tests and charts, and the test split plays no part in the choice';

export const HALVING_RULE = 'Successive halving (η ETA): every candidate trained to the first rung, and at each rung the best ⌊n/η⌋ on validation METRIC (ties → the lower validation loss, then the smaller LR) went on, until one trained all epochs; the others are shown at the epoch they stopped';

const valueOf = (c: ReportCell, metric: string) => metricValue(c, 'val', metric);

/** Where successive halving left each stopped candidate of a group (none under a plain grid). */
function stops(group: ReportCell[], metric: string, search: LrSearch | undefined): Map<string, LrChoice['candidates'][number]['stoppedAt'] & { val: number | null }> {
  const out = new Map<string, { epoch: number; rung: number | null; val: number | null }>();
  if (!search) return out;
  const restoreBest = group[0].config.train.earlyStopping.restoreBest;
  const decided = decideGroup(group.map((c) => ({ cell: c, records: c.epochs, done: c.status === 'done', failed: c.status === 'failed' })),
    groupRungs(search, group.length, group[0].config.epochs), metric);
  for (const s of decided.stopped) out.set(s.cell.id, { epoch: s.epochs, rung: s.rung, val: s.value?.value ?? null });
  for (const c of group) {
    const last = c.epochs.at(-1)?.epoch;
    if (c.status !== 'stopped' || out.has(c.id) || last == null) continue;
    out.set(c.id, { epoch: last, rung: null, val: rungValue(c.epochs, last, metric, restoreBest)?.value ?? null });
  }
  return out;
}

/**
 * The cells the analysis uses (grid groups reduced to their chosen cell, other cells as they are) and the choices.
 * `search`: how the experiment searched its grids, to say where halving stopped each candidate.
 */
export function selectLr(cells: ReportCell[], metric: string, search?: LrSearch): { cells: ReportCell[]; choices: LrChoice[] } {
  const keep = new Set<ReportCell>(cells.filter((c) => !c.config.lrCandidate));
  const choices: LrChoice[] = [];
  for (const sorted of lrGroups(cells).values()) {
    let best: ReportCell | null = null;
    for (const c of sorted) {
      const v = valueOf(c, metric);
      if (v != null && (best == null || v > valueOf(best, metric)!)) best = c; // strictly better: a tie keeps the smaller LR
    }
    if (best) keep.add(best);
    const stopped = stops(sorted, metric, search);
    choices.push({
      caseName: sorted[0].caseName, strategy: sorted[0].label, seed: sorted[0].seed,
      candidates: sorted.map((c) => {
        const s = c.status === 'done' ? undefined : stopped.get(c.id);
        return { lr: c.config.lr, val: s ? s.val : valueOf(c, metric), status: c.status, stoppedAt: s ? { epoch: s.epoch, rung: s.rung } : null };
      }),
      chosen: best?.config.lr ?? null,
    });
  }
  return { cells: cells.filter((c) => keep.has(c)), choices };
}
