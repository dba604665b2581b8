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
  plan(ctx: StrategyContext, params: z.output<S>): Phase[];
}

export function backboneBlocks(ctx: StrategyContext): string[] {
  return ctx.blocks.filter((b) => b !== 'head');
}

/** Helper so each strategy file keeps its schema's types. */
export function defineStrategy<S extends z.ZodObject>(s: Strategy<S>): Strategy<S> {
  return s;
}
