/**
 * The one rule for which cells a run starts: every cell not done, a failed one only with --retry-failed (a stopped
 * or interrupted one resumes). Under successive halving the LR-grid candidates that pass are the search's to
 * schedule (HalvingRun decides which run, and how far); every other open cell runs as it is.
 */
import type { Cell } from './cells.ts';
import type { LrSearch } from './spec.ts';

/** A cell's status in the store; undefined: not in it yet (as 'pending'). */
export type StatusOf = (id: string) => string | undefined;

export interface CellsToRun {
  /** Cells that run as they are, in the given order. */
  plain: Cell[];
  /** Open LR candidates under successive halving, in the given order: the search decides what they do. */
  candidates: Cell[];
}

/** Whether a cell with this status is run again. */
export const isOpen = (status: string | undefined, retryFailed: boolean) => status !== 'done' && (status !== 'failed' || retryFailed);

export function cellsToRun(cells: Cell[], statusOf: StatusOf, o: { search: LrSearch; retryFailed: boolean }): CellsToRun {
  const open = cells.filter((c) => isOpen(statusOf(c.id), o.retryFailed));
  const searched = (c: Cell) => o.search.method === 'halving' && !!c.config.lrCandidate;
  return { plain: open.filter((c) => !searched(c)), candidates: open.filter(searched) };
}
