/**
 * Auto-RGN (Lee et al. 2023, "Surgical Fine-Tuning"): at the start of every epoch each weight tensor i (BatchNorm
 * excluded) gets RGN_i = ‖g_i‖/‖w_i‖ averaged over `probeBatches` batches, and trains at lr_i = base·RGN_i / max_j RGN_j;
 * Adam's state is reset every epoch and BatchNorm is frozen (inference mode, γ/β fixed). The loop computes the RGNs
 * (train/auto-rgn.ts); the plan only asks for them.
 */
import { z } from 'zod';
import { defineStrategy, RELATIVE_LR_GRID } from './types.ts';

export const autoRgn = defineStrategy({
  id: 'auto-rgn',
  name: 'relative gradient norm learning rates',
  reference: 'Lee et al., Surgical Fine-Tuning Improves Adaptation to Distribution Shifts, ICLR 2023',
  summary: 'each epoch, lr_i = base·RGN_i/max RGN per weight tensor (RGN = ‖g‖/‖w‖ over probe batches); Adam reset each epoch; BN frozen',
  params: z.object({
    probeBatches: z.coerce.number().int().positive().default(5).describe('batches averaged into each epoch\'s RGN'),
  }).strict(),
  lrGrid: RELATIVE_LR_GRID,
  plan: (ctx, p) => [{
    name: 'auto-rgn', epochs: ctx.epochs, lr: ctx.lr, trainBlocks: [...ctx.blocks], resetOptimizer: true, bn: 'eval',
    autoRgn: { probeBatches: p.probeBatches },
  }],
});
