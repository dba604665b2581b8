/** Surgical fine-tuning (Lee et al. 2023): one chosen block and the head train; everything else stays frozen. */
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import { backboneBlocks, defineStrategy, FINE_TUNING_LR_GRID } from './types.ts';

export const surgical = defineStrategy({
  id: 'surgical',
  name: 'surgical fine-tuning of one block',
  reference: 'Lee et al., Surgical Fine-Tuning Improves Adaptation to Distribution Shifts, ICLR 2023',
  summary: 'only the named block (surgical:<block>) and the head train',
  params: z.object({ block: z.string().min(1).describe('the block that trains (given as surgical:<block>)') }).strict(),
  lrGrid: FINE_TUNING_LR_GRID,
  plan: (ctx, p) => {
    const names = backboneBlocks(ctx);
    if (!names.includes(p.block)) throw new UsageError(`surgical: no block '${p.block}' in this model; choose one of ${names.join(', ')}`);
    return [{ name: `surgical ${p.block}`, epochs: ctx.epochs, lr: ctx.lr, trainBlocks: ctx.blocks.filter((b) => b === p.block || b === 'head'), resetOptimizer: true, bn: 'follow' }];
  },
});
