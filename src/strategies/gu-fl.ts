/** Gradual unfreezing, first to last: head and stem first, then every `interval` epochs the next block going up. */
import { z } from 'zod';
import { unfreezingPhases } from './gradual.ts';
import { backboneBlocks, defineStrategy, FINE_TUNING_LR_GRID } from './types.ts';

export const guFl = defineStrategy({
  id: 'gu-fl',
  name: 'gradual unfreezing, first to last',
  reference: 'Davila, Colan & Hasegawa, Comparison of fine-tuning strategies for transfer learning in medical image classification, IVC 2024',
  summary: 'head and stem first; every interval epochs unfreeze the next block going up',
  params: z.object({
    interval: z.coerce.number().int().positive().default(1).describe('epochs between two unfreezing steps'),
  }).strict(),
  lrGrid: FINE_TUNING_LR_GRID,
  plan: (ctx, p) => {
    const [stem, ...rest] = backboneBlocks(ctx);
    return unfreezingPhases(ctx, stem ? ['head', stem] : ['head'], rest, p.interval);
  },
});
