/**
 * Discriminative fine-tuning (ULMFiT): every block trains from the start, the head at the base LR and each block
 * below at the LR of the block above divided by `decay` (η^{l−1} = η^l / 2.6).
 */
import { z } from 'zod';
import { defineStrategy, FINE_TUNING_LR_GRID } from './types.ts';

export const discriminative = defineStrategy({
  id: 'discriminative',
  name: 'discriminative (layer-wise decayed) learning rates',
  reference: 'Howard & Ruder, Universal Language Model Fine-tuning for Text Classification (ULMFiT), ACL 2018',
  summary: 'all blocks train; block k below the head at base LR / decay^k',
  params: z.object({
    decay: z.coerce.number().min(1).default(2.6).describe('LR ratio between a block and the block below it'),
  }).strict(),
  lrGrid: FINE_TUNING_LR_GRID,
  plan: (ctx, p) => {
    const top = ctx.blocks.length - 1;
    const blockLr = Object.fromEntries(ctx.blocks.map((b, i) => [b, p.decay ** -(top - i)]));
    return [{ name: 'discriminative', epochs: ctx.epochs, lr: ctx.lr, trainBlocks: [...ctx.blocks], blockLr, resetOptimizer: true, bn: 'follow' }];
  },
});
