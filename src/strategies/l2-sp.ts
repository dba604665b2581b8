/**
 * L2-SP (Li, Grandvalet & Davoine 2018): full fine-tuning with Ω(w) = (α/2)‖w_S − w⁰_S‖² + (β/2)‖w_S̄‖², where S are
 * the pretrained (backbone) tensors, w⁰ their starting values and S̄ the new head's kernel. α = 0.1, β = 0.01 are the
 * values the paper settles on for its image-classification experiments.
 */
import { z } from 'zod';
import { spPhases } from './sp.ts';
import { defineStrategy, FINE_TUNING_LR_GRID } from './types.ts';

export const l2Sp = defineStrategy({
  id: 'l2-sp',
  name: 'L2 penalty towards the starting point',
  reference: 'Li, Grandvalet & Davoine, Explicit Inductive Bias for Transfer Learning with Convolutional Networks, ICML 2018',
  summary: 'FT + (α/2)‖w − w⁰‖² on backbone tensors + (β/2)‖w_head‖²',
  params: z.object({
    alpha: z.coerce.number().nonnegative().default(0.1).describe('weight of (1/2)‖w − w⁰‖² over backbone tensors'),
    beta: z.coerce.number().nonnegative().default(0.01).describe('weight of (1/2)‖w‖² over the head kernel'),
  }).strict(),
  lrGrid: FINE_TUNING_LR_GRID,
  plan: (ctx, p) => spPhases(ctx, { kind: 'l2-sp', alpha: p.alpha, beta: p.beta }),
});
