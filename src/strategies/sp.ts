/** The starting-point penalties share their plan: FT of every block with a penalty towards w⁰ (see train/penalty.ts). */
import type { Phase, PenaltySpec } from '../train/plan.ts';
import type { StrategyContext } from './types.ts';

export function spPhases(ctx: StrategyContext, penalty: PenaltySpec): Phase[] {
  return [{ name: penalty.kind, epochs: ctx.epochs, lr: ctx.lr, trainBlocks: [...ctx.blocks], resetOptimizer: true, bn: 'follow', penalty }];
}
