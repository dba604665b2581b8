/**
 * Successive halving inside `medft run`: keeps every LR group moving through its rungs. Its only state is the store
 * (epochs are recorded as they end; done, failed, stopped), so a rerun after a kill derives the same promotions
 * from the same validation values. A candidate stopped for good loses its checkpoint (it is weights and optimizer
 * moments several times over); only a changed search would need it again, and then retrains it from the start.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Cell } from './cells.ts';
import { isOpen } from './cells-to-run.ts';
import { decideGroup, groupRungs, lrGroups, lrGroupKey, type Candidate, type Rung } from './halving.ts';
import type { LrSearch } from './spec.ts';
import type { ResultsStore } from './store.ts';

export interface HalvingStep {
  /** Candidates to start, each to its rung's epochs (null: to the end). */
  run: { cell: Cell; stopAfterEpoch: number | null }[];
  /** Candidates newly out of the search. */
  stopped: Cell[];
}

export class HalvingRun {
  private readonly groups: Map<string, Cell[]>;
  private readonly rungs = new Map<string, Rung[]>();
  /** Started and not ended yet: neither started again nor stopped meanwhile. */
  private readonly inFlight = new Set<string>();
  private readonly stoppedIds = new Set<string>();
  /** Failed in this run: out of the search even with --retry-failed (which retries earlier failures once). */
  private readonly failedNow = new Set<string>();

  constructor(cells: Cell[], search: LrSearch, private readonly metric: string, private readonly store: ResultsStore,
    private readonly out: string, private readonly retryFailed: boolean) {
    this.groups = lrGroups(cells);
    for (const [key, g] of this.groups) this.rungs.set(key, groupRungs(search, g.length, g[0].config.epochs));
  }

  /** Whether the search runs this cell (an LR-grid candidate). */
  has(cell: Cell): boolean {
    return this.groups.has(lrGroupKey(cell.config)) && !!cell.config.lrCandidate;
  }

  /** The first tasks of every group, and the candidates an earlier run had already stopped for good. */
  start(): HalvingStep {
    const steps = [...this.groups.keys()].map((key) => this.step(key));
    return { run: steps.flatMap((s) => s.run), stopped: steps.flatMap((s) => s.stopped) };
  }

  /** A candidate's task ended (its end is in the store already): what its group does next. */
  ended(cell: Cell, how: 'done' | 'failed' | 'stopped'): HalvingStep {
    this.inFlight.delete(cell.id);
    if (how === 'failed') this.failedNow.add(cell.id);
    return this.step(lrGroupKey(cell.config));
  }

  /** Candidates the run may still start (cells-to-run.ts) and the search has not stopped for good. */
  unsettled(): Cell[] {
    return [...this.groups.values()].flat().filter((c) => isOpen(this.store.cell(c.id)?.status, this.retryFailed) && !this.stoppedIds.has(c.id));
  }

  private candidate(cell: Cell): Candidate {
    const status = this.store.cell(cell.id)?.status;
    return {
      cell,
      records: this.store.epochs(cell.id),
      done: status === 'done',
      failed: status === 'failed' && (!isOpen(status, this.retryFailed) || this.failedNow.has(cell.id)),
    };
  }

  private step(key: string): HalvingStep {
    const plan = decideGroup(this.groups.get(key)!.map((c) => this.candidate(c)), this.rungs.get(key)!, this.metric);
    const stopped: Cell[] = [];
    for (const { cell } of plan.stopped) {
      if (this.inFlight.has(cell.id) || this.stoppedIds.has(cell.id)) continue; // one still running is stopped when it ends
      this.stoppedIds.add(cell.id);
      // Paused at its rung it is 'stopped' already; a candidate that early stopping finished before a rung it then lost is stopped too.
      if (this.store.cell(cell.id)?.status !== 'stopped') this.store.recordStopped(cell.id, []);
      rmSync(join(this.out, 'cells', cell.id, 'checkpoint'), { recursive: true, force: true });
      stopped.push(cell);
    }
    const run = plan.run.filter((r) => !this.inFlight.has(r.cell.id));
    for (const r of run) {
      this.inFlight.add(r.cell.id);
      this.stoppedIds.delete(r.cell.id); // back in: a candidate that failed later left its group, whose rungs were decided again
    }
    return { run, stopped };
  }
}
