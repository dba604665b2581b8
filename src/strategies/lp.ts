/**
 * Linear probing: the backbone is frozen (BatchNorm in inference mode, moving statistics untouched) and only the new
 * head trains. A linear head on fixed features needs a larger step than fine-tuning, hence `lrFactor` (the same
 * default as LP-FT's first phase, so `lp` is that phase carried on).
 */
import { z } from 'zod';
import { defineStrategy } from './types.ts';

export const lpParams = z.object({
  lrFactor: z.coerce.number().positive().default(10).describe('head LR = base LR × lrFactor'),
  augment: z.union([z.boolean(), z.stringbool()]).default(false).describe('augment the training images (off: the probe sees fixed features, as in Kumar et al., and they are cached)'),
}).strict();

export const lp = defineStrategy({
  id: 'lp',
  name: 'linear probing',
  reference: 'Kumar et al., Fine-Tuning can Distort Pretrained Features and Underperform Out-of-Distribution, ICLR 2022',
  summary: 'backbone frozen (BN in inference mode); only the head trains, at base LR × lrFactor',
  params: lpParams,
  // The head trains at base × lrFactor: these are head LRs of 3e-4 … 1e-2, a linear probe's usual range with Adam.
  lrGrid: [3e-5, 1e-4, 3e-4, 1e-3],
  plan: (ctx, p) => [{ name: 'lp', epochs: ctx.epochs, lr: ctx.lr * p.lrFactor, trainBlocks: ['head'], resetOptimizer: true, bn: 'follow', augment: p.augment }],
});
