/**
 * A strategy is a pure plan: given the model's ordered blocks (stem … head) and the run's epochs and base LR, it says
 * which blocks train in each phase, at which LR multiplier, with which penalty and BatchNorm policy. Its
 * hyper-parameters have typed defaults in a zod schema; the resolved values are recorded with every result.
 */
import type { z } from 'zod';
import type { Phase } from '../train/plan.ts';

export interface StrategyContext {
  /** Block names in model order; the last is `head`. */
  blocks: string[];
  /** Total epochs of the run. */
  epochs: number;
  /** Base learning rate. */
  lr: number;
}

export interface Strategy<S extends z.ZodObject = z.ZodObject> {
  id: string;
  name: string;
  /** The paper that defines it. */
  reference: string;
  /** One line: what trains, when, how fast. */
  summary: string;
  params: S;
  /** Base LRs (Adam) worth trying, chosen on validation by an experiment's `lrGrid: auto` (docs/strategies.md). */
  lrGrid: readonly number[];
  plan(ctx: StrategyContext, params: z.output<S>): Phase[];
}

/** Strategies that train the backbone at the base LR (or a fraction of it per block). */
export const FINE_TUNING_LR_GRID = [1e-5, 3e-5, 1e-4, 3e-4] as const;
/**
 * Auto-RGN's per-tensor LRs are the base LR times RGN_i / max RGN ≤ 1, most of them far below 1, so its useful base
 * LRs are larger (Lee et al. tune each method's LR over a wide grid).
 */
export const RELATIVE_LR_GRID = [1e-4, 3e-4, 1e-3, 3e-3] as const;

export function backboneBlocks(ctx: StrategyContext): string[] {
  return ctx.blocks.filter((b) => b !== 'head');
}

/** Helper so each strategy file keeps its schema's types. */
export function defineStrategy<S extends z.ZodObject>(s: Strategy<S>): Strategy<S> {
  return s;
}
