/** Gradual unfreezing, last to first (ULMFiT): the head first, then every `interval` epochs the next block down. */
import { z } from 'zod';
import { unfreezingPhases } from './gradual.ts';
import { backboneBlocks, defineStrategy, FINE_TUNING_LR_GRID } from './types.ts';

export const guLf = defineStrategy({
  id: 'gu-lf',
  name: 'gradual unfreezing, last to first',
  reference: 'Howard & Ruder, Universal Language Model Fine-tuning for Text Classification (ULMFiT), ACL 2018',
  summary: 'head first; every interval epochs unfreeze the next block going down (last stage … stem)',
  params: z.object({
    interval: z.coerce.number().int().positive().default(1).describe('epochs between two unfreezing steps'),
  }).strict(),
  lrGrid: FINE_TUNING_LR_GRID,
  plan: (ctx, p) => unfreezingPhases(ctx, ['head'], backboneBlocks(ctx).reverse(), p.interval),
});
