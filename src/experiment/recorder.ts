/**
 * The one writer of a run's outcomes, for the local pool and the queue coordinator alike: it applies what a cell
 * process says (an epoch, a rung reached, done, failed) to the store, and counts the cells this run settled.
 */
import type { Cell } from './cells.ts';
import type { CellMessage } from './cell-process.ts';
import type { ResultsStore } from './store.ts';

/** How a cell settled in this run; 'stopped': an LR candidate successive halving stopped for good. */
export type Settled = 'done' | 'failed' | 'stopped';

export class CellRecorder {
  readonly counts: Record<Settled, number> = { done: 0, failed: 0, stopped: 0 };
  readonly failed: { cell: Cell; error: string }[] = [];
  private readonly byId: Map<string, Cell>;

  constructor(private readonly store: ResultsStore, cells: Cell[],
    private readonly onSettled?: (cell: Cell, status: Settled, error?: string) => void) {
    this.byId = new Map(cells.map((c) => [c.id, c]));
  }

  /** Cells settled in this run (done, failed, or stopped for good). */
  get ran(): number {
    return this.counts.done + this.counts.failed + this.counts.stopped;
  }

  /** A process took the cell. */
  started(id: string): void {
    this.store.markRunning(id);
  }

  /** One message about a cell; progress without a record (epoch start, batch) changes nothing. */
  record(m: CellMessage): void {
    if (m.type === 'epoch') this.store.recordEpoch(m.cellId, m.record);
    // Paused at a rung, not settled: the search decides whether it continues.
    else if (m.type === 'stopped') this.store.recordStopped(m.cellId, m.history);
    else if (m.type === 'done') { this.store.recordDone(m.cellId, m.result); this.settle(this.cell(m.cellId), 'done'); }
    else if (m.type === 'failed') {
      this.store.recordFailed(m.cellId, m.error);
      this.failed.push({ cell: this.cell(m.cellId), error: m.error });
      this.settle(this.cell(m.cellId), 'failed', m.error);
    }
  }

  /** An LR candidate the search stopped for good (the search has written its status). */
  stoppedForGood(cell: Cell): void {
    this.settle(cell, 'stopped');
  }

  private cell(id: string): Cell {
    const c = this.byId.get(id);
    if (!c) throw new Error(`no cell ${id} in this run`);
    return c;
  }

  private settle(cell: Cell, status: Settled, error?: string): void {
    this.counts[status]++;
    this.onSettled?.(cell, status, error);
  }
}
