/**
 * The order cells go to the workers: longest first (the classic LPT rule), so a slow cell does not start last and
 * leave the other workers idle at the end. The cost is a rough estimate from the strategy's plan over the model's
 * blocks: epochs × (a forward-pass share + the share of backbone blocks that train), more for penalties (one more
 * pass over the weights per step) and for Auto-RGN (probe batches every epoch).
 */
import { getFamily } from '../models/index.ts';
import { buildPlan } from '../strategies/index.ts';
import type { Cell } from './cells.ts';

export function estimatedCost(cell: Cell): number {
  const c = cell.config;
  const blocks = getFamily(c.model.name).blockNames;
  const backbone = blocks.filter((b) => b !== 'head').length;
  const plan = buildPlan(c.strategy.id, { blocks, epochs: c.epochs, lr: c.lr }, c.strategy.params);
  return plan.phases.reduce((sum, p) => {
    const share = p.trainBlocks.filter((b) => b !== 'head').length / Math.max(1, backbone);
    return sum + p.epochs * (0.15 + share) * (p.penalty ? 1.2 : 1) * (p.autoRgn ? 1.5 : 1);
  }, 0);
}

/** Cells sorted by estimated cost, longest first; equal costs keep the file's order. */
export function longestFirst(cells: Cell[]): Cell[] {
  return cells.map((c, i) => ({ c, i, cost: estimatedCost(c) })).sort((a, b) => b.cost - a.cost || a.i - b.i).map((x) => x.c);
}
