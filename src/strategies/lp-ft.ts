/**
 * LP-FT (Kumar et al. 2022): linear probing until the head has converged, then full fine-tuning starting from that
 * head at a lower LR, so the randomly initialised head does not distort the pretrained features early on.
 * Each phase has its own epochs and LR; the optimizer state is reset between them. The LP phase trains on fixed
 * (un-augmented, hence cached) features as Kumar et al.'s logistic-regression probe does; the FT phase keeps BatchNorm
 * in inference mode by default.
 */
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import { defineStrategy, FINE_TUNING_LR_GRID } from './types.ts';

export const lpFt = defineStrategy({
  id: 'lp-ft',
  name: 'linear probing, then full fine-tuning',
  reference: 'Kumar et al., Fine-Tuning can Distort Pretrained Features and Underperform Out-of-Distribution, ICLR 2022',
  summary: 'LP (head only, base LR × lpLrFactor, no augmentation) for lpEpochs, then FT of all blocks from that head at base LR × ftLrFactor, BN in inference mode',
  params: z.object({
    lpEpochs: z.coerce.number().int().positive().optional().describe('epochs of the LP phase (default: half the run, at least 1)'),
    lpLrFactor: z.coerce.number().positive().default(10).describe('LP-phase LR = base LR × lpLrFactor'),
    lpAugment: z.union([z.boolean(), z.stringbool()]).default(false).describe('augment during the LP phase (off: fixed features, as in Kumar et al., and they are cached)'),
    // 'eval': the FT phase sees the features the LP head was fit to, and training and evaluation normalise alike
    // (docs/strategies.md: with 'follow' the val loss rose through FT on BreastMNIST).
    ftBn: z.enum(['follow', 'eval']).default('eval').describe("BatchNorm in the FT phase: 'eval' (inference mode with the pretrained statistics, γ/β fixed) or 'follow' (batch statistics, moving averages update)"),
    ftLrFactor: z.coerce.number().positive().default(1).describe('FT-phase LR = base LR × ftLrFactor (must be below the LP LR)'),
  }).strict(),
  lrGrid: FINE_TUNING_LR_GRID,
  plan: (ctx, p) => {
    const lpEpochs = p.lpEpochs ?? Math.max(1, Math.floor(ctx.epochs / 2));
    if (ctx.epochs < 2 || lpEpochs >= ctx.epochs) {
      throw new UsageError(`lp-ft needs at least one LP and one FT epoch: ${ctx.epochs} epochs with lpEpochs ${lpEpochs}; raise --epochs or lower lpEpochs`);
    }
    if (p.ftLrFactor >= p.lpLrFactor) throw new UsageError(`lp-ft fine-tunes at a lower LR than it probes: ftLrFactor ${p.ftLrFactor} must be below lpLrFactor ${p.lpLrFactor}`);
    return [
      { name: 'lp', epochs: lpEpochs, lr: ctx.lr * p.lpLrFactor, trainBlocks: ['head'], resetOptimizer: true, bn: 'follow', augment: p.lpAugment },
      { name: 'ft', epochs: ctx.epochs - lpEpochs, lr: ctx.lr * p.ftLrFactor, trainBlocks: [...ctx.blocks], resetOptimizer: true, bn: p.ftBn },
    ];
  },
});
