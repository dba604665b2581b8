/**
 * Successive halving over an LR grid (Jamieson & Talwalkar 2016; rungs as in ASHA, Li et al. 2020): every candidate
 * of a group trains to the first rung, the best ⌊n/η⌋ on validation continue to the next, and so on until one trains
 * all epochs. A stopped candidate is the full run cut short (its LR schedule comes from the full plan), so continuing
 * it from its checkpoint gives exactly the run that never stopped. Within a group a rung waits for all its candidates,
 * so the promotions depend on validation values only, never on timing. Pure functions; halving-run.ts applies them.
 */
import type { EpochRecord, ValMetrics } from '../train/loop.ts';
import { canonicalJson, type Cell, type CellConfig } from './cells.ts';
import type { LrSearch } from './spec.ts';

/** `candidates` of the group train to `epochs`; the last rung is every epoch, for one candidate. */
export interface Rung { epochs: number; candidates: number }

/**
 * The rungs for n candidates, E epochs and η: candidate counts n, ⌊n/η⌋, … down to 1 (K reductions), rung k at
 * r0·η^k epochs with r0 = minEpochs or ⌊E/η^K⌋ (at least 1). Rungs that would not end before E are dropped, the last
 * one left then keeps a single candidate; with no room for any (E = 1) every candidate trains all epochs, as a grid.
 */
export function rungSchedule(n: number, epochs: number, eta: number, minEpochs?: number): Rung[] {
  const counts = [n];
  while (counts.at(-1)! > 1) counts.push(Math.max(1, Math.floor(counts.at(-1)! / eta)));
  const r0 = minEpochs ?? Math.max(1, Math.floor(epochs / eta ** (counts.length - 1)));
  const rungs: Rung[] = [];
  for (let k = 0; k < counts.length - 1 && r0 * eta ** k < epochs; k++) rungs.push({ epochs: r0 * eta ** k, candidates: counts[k] });
  rungs.push({ epochs, candidates: rungs.length > 0 ? 1 : n });
  return rungs;
}

/** Epochs a group trains in all: Σ candidates_k · (epochs_k − epochs_{k−1}). */
export function scheduleEpochs(rungs: Rung[]): number {
  return rungs.reduce((sum, r, k) => sum + r.candidates * (r.epochs - (k > 0 ? rungs[k - 1].epochs : 0)), 0);
}

/** The rungs of a group of `n` candidates under `search`; one rung of all epochs for every candidate with 'grid'. */
export function groupRungs(search: LrSearch, n: number, epochs: number): Rung[] {
  return search.method === 'halving' ? rungSchedule(n, epochs, search.eta, search.minEpochs) : [{ epochs, candidates: n }];
}

/** What the candidates of one LR group share: the whole config but the LR (dataset, model, strategy, params, seed, loop). */
export const lrGroupKey = (config: CellConfig) => canonicalJson({ ...config, lr: undefined });

/** The LR-grid candidates of `cells`, by group, each group in LR order. */
export function lrGroups<C extends { config: CellConfig }>(cells: C[]): Map<string, C[]> {
  const groups = new Map<string, C[]>();
  for (const c of cells) {
    if (!c.config.lrCandidate) continue;
    const key = lrGroupKey(c.config);
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  for (const g of groups.values()) g.sort((a, b) => a.config.lr - b.config.lr);
  return groups;
}

const VAL_KEY: Record<string, keyof ValMetrics> = { accuracy: 'accuracy', balancedAccuracy: 'balancedAccuracy', macroF1: 'macroF1', macroAuc: 'auc' };
const finite = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x : null);

export interface RungValue { epoch: number; value: number | null; loss: number | null }

/**
 * A candidate's validation standing after `epochs`: taken at the epoch whose weights the run would end with if it
 * ended there — the best epoch so far by early stopping's monitor when restoreBest is on (as the final evaluation
 * is), else the last epoch. `value` is the experiment's metric, `loss` the validation loss (the tie-breaker).
 */
export function rungValue(records: EpochRecord[], epochs: number, metric: string, restoreBest: boolean): RungValue | null {
  const upTo = records.filter((r) => r.epoch <= epochs);
  const at = (restoreBest ? upTo.filter((r) => r.best).at(-1) : undefined) ?? upTo.at(-1);
  if (!at) return null;
  const key = VAL_KEY[metric];
  return { epoch: at.epoch, value: key ? finite(at.val?.[key]) : null, loss: finite(at.val?.loss) };
}

/** Better first: higher value, then lower validation loss (few validation images make ties common), then the smaller LR. */
function compare(a: { v: RungValue | null; lr: number }, b: { v: RungValue | null; lr: number }): number {
  const desc = (x: number | null | undefined, y: number | null | undefined) => (x == null ? (y == null ? 0 : 1) : y == null ? -1 : y - x);
  return desc(a.v?.value, b.v?.value) || -desc(a.v?.loss, b.v?.loss) || a.lr - b.lr;
}

export interface Candidate {
  cell: Cell;
  /** Its epochs recorded so far, in order. */
  records: EpochRecord[];
  done: boolean;
  /** Out of the search (failed and not retried). */
  failed: boolean;
}

export interface GroupPlan {
  /** Candidates to train now, each to the epochs of the rung it has not reached (null: all epochs). */
  run: { cell: Cell; stopAfterEpoch: number | null }[];
  /** Candidates out of the search, with the rung they stopped at and their standing there. */
  stopped: { cell: Cell; rung: number; epochs: number; value: RungValue | null }[];
}

/**
 * Where a group stands, derived from its candidates' records alone: rung by rung, once every live candidate has
 * reached the rung the best continue and the others are stopped; the first rung some candidate has not reached
 * yet is where training goes on. The same records always give the same answer, so a rerun after a kill resumes
 * the same search.
 */
export function decideGroup(candidates: Candidate[], rungs: Rung[], metric: string): GroupPlan {
  const reached = (c: Candidate) => (c.done ? Infinity : c.records.at(-1)?.epoch ?? 0);
  const stopped: GroupPlan['stopped'] = [];
  let alive = candidates.filter((c) => !c.failed);
  for (const [k, rung] of rungs.entries()) {
    const last = k === rungs.length - 1;
    // A candidate trained to the last epoch but not yet evaluated (killed in between) is finished by a resume.
    const behind = alive.filter((c) => (last ? !c.done : reached(c) < rung.epochs));
    if (behind.length > 0) return { run: behind.map((c) => ({ cell: c.cell, stopAfterEpoch: last ? null : rung.epochs })), stopped };
    if (last) break;
    const restoreBest = alive[0]?.cell.config.train.earlyStopping.restoreBest ?? true;
    const ranked = alive.map((c) => ({ c, lr: c.cell.config.lr, v: rungValue(c.records, rung.epochs, metric, restoreBest) })).sort(compare);
    for (const x of ranked.slice(rungs[k + 1].candidates)) stopped.push({ cell: x.c.cell, rung: k, epochs: rung.epochs, value: x.v });
    alive = ranked.slice(0, rungs[k + 1].candidates).map((x) => x.c);
  }
  return { run: [], stopped };
}
