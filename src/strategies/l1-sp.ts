/**
 * L1-SP (Li, Grandvalet & Davoine 2018, their L1 variant): full fine-tuning with α‖w_S − w⁰_S‖₁ + (β/2)‖w_S̄‖².
 * The L1 subgradient α·sign(w − w⁰) does not shrink near w⁰, so an α of L2-SP's size would pin every weight that
 * Adam normalises; medft's default α = 1e-4 is of the order of the data gradients of a pretrained backbone.
 */
import { z } from 'zod';
import { spPhases } from './sp.ts';
import { defineStrategy, FINE_TUNING_LR_GRID } from './types.ts';

export const l1Sp = defineStrategy({
  id: 'l1-sp',
  name: 'L1 penalty towards the starting point',
  reference: 'Li, Grandvalet & Davoine, Explicit Inductive Bias for Transfer Learning with Convolutional Networks, ICML 2018',
  summary: 'FT + α‖w − w⁰‖₁ on backbone tensors + (β/2)‖w_head‖²',
  params: z.object({
    alpha: z.coerce.number().nonnegative().default(1e-4).describe('weight of ‖w − w⁰‖₁ over backbone tensors'),
    beta: z.coerce.number().nonnegative().default(0.01).describe('weight of (1/2)‖w‖² over the head kernel'),
  }).strict(),
  lrGrid: FINE_TUNING_LR_GRID,
  plan: (ctx, p) => spPhases(ctx, { kind: 'l1-sp', alpha: p.alpha, beta: p.beta }),
});
