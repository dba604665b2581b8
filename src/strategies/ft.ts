/** Full fine-tuning: every block trains at the base LR from the first step. */
import { z } from 'zod';
import { defineStrategy, FINE_TUNING_LR_GRID } from './types.ts';

export const ft = defineStrategy({
  id: 'ft',
  name: 'full fine-tuning',
  reference: 'Yosinski et al., How transferable are features in deep neural networks?, NeurIPS 2014',
  summary: 'all blocks train at the base LR from the first step',
  params: z.object({}).strict(),
  lrGrid: FINE_TUNING_LR_GRID,
  plan: (ctx) => [{ name: 'ft', epochs: ctx.epochs, lr: ctx.lr, trainBlocks: [...ctx.blocks], resetOptimizer: true, bn: 'follow' }],
});
