/** Gradual unfreezing, shared by gu-lf and gu-fl: every `interval` epochs one more block joins the trainable set. */
import type { Phase } from '../train/plan.ts';
import type { StrategyContext } from './types.ts';

/**
 * `order` lists backbone blocks in the order they unfreeze; `initial` trains from the first epoch (the head, plus
 * the stem for gu-fl). Phase s trains initial ∪ order[0..s); the last phase keeps going once everything is unfrozen.
 * Newly unfrozen variables get fresh optimizer state; the others keep theirs (ULMFiT does not restart the optimizer).
 */
export function unfreezingPhases(ctx: StrategyContext, initial: string[], order: string[], interval: number): Phase[] {
  const phases: Phase[] = [];
  let left = ctx.epochs;
  for (let s = 0; s <= order.length && left > 0; s++) {
    const trainable = new Set([...initial, ...order.slice(0, s)]);
    const epochs = s === order.length ? left : Math.min(interval, left);
    phases.push({
      name: s === 0 ? 'head' : `+${order[s - 1]}`,
      epochs,
      lr: ctx.lr,
      trainBlocks: ctx.blocks.filter((b) => trainable.has(b)),
      resetOptimizer: s === 0,
      bn: 'follow',
    });
    left -= epochs;
  }
  return phases;
}
