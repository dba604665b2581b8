/**
 * The strategy registry: `buildPlan('lp-ft', ctx, {lpEpochs: '3'})` resolves a strategy id (or `surgical:<block>`)
 * and its overrides against the strategy's zod schema and returns the plan the training loop carries out.
 */
import type { z } from 'zod';
import { UsageError } from '../errors.ts';
import { planEpochs, type TrainPlan } from '../train/plan.ts';
import { autoRgn } from './auto-rgn.ts';
import { discriminative } from './discriminative.ts';
import { ft } from './ft.ts';
import { guFl } from './gu-fl.ts';
import { guLf } from './gu-lf.ts';
import { l1Sp } from './l1-sp.ts';
import { l2Sp } from './l2-sp.ts';
import { lp } from './lp.ts';
import { lpFt } from './lp-ft.ts';
import { surgical } from './surgical.ts';
import type { Strategy, StrategyContext } from './types.ts';

export type { Strategy, StrategyContext } from './types.ts';

export const STRATEGIES: Strategy[] = [ft, lp, lpFt, guLf, guFl, l2Sp, l1Sp, autoRgn, discriminative, surgical] as unknown as Strategy[];
/** The eight strategies of the reference study (Davila et al. 2024). */
export const STUDY_STRATEGIES = ['ft', 'lp', 'lp-ft', 'gu-lf', 'gu-fl', 'l2-sp', 'l1-sp', 'auto-rgn'] as const;

export function strategyIds(): string[] {
  return STRATEGIES.map((s) => (s.id === 'surgical' ? 'surgical:<block>' : s.id));
}

export function getStrategy(id: string): Strategy {
  const key = id.split(':')[0].trim().toLowerCase();
  const s = STRATEGIES.find((x) => x.id === key);
  if (!s) throw new UsageError(`unknown strategy '${id}': choose one of ${strategyIds().join(', ')}`);
  return s;
}

function describeIssues(e: z.ZodError): string {
  return e.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/** Resolves a strategy's hyper-parameters: its schema's defaults, overridden by `overrides` (strings are coerced). */
export function resolveParams(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const s = getStrategy(id);
  const [, block] = id.split(':');
  const input = s.id === 'surgical' ? { block, ...overrides } : overrides;
  if (s.id === 'surgical' && !input.block) throw new UsageError("surgical needs a block: 'surgical:<block>', e.g. surgical:conv3_x");
  const r = s.params.safeParse(input);
  if (!r.success) throw new UsageError(`strategy ${s.id}: ${describeIssues(r.error)}`);
  return r.data as Record<string, unknown>;
}

export function buildPlan(id: string, ctx: StrategyContext, overrides: Record<string, unknown> = {}): TrainPlan {
  if (ctx.blocks.at(-1) !== 'head') throw new UsageError(`the model's last block must be its head, got ${ctx.blocks.join(', ')}`);
  if (!Number.isInteger(ctx.epochs) || ctx.epochs < 1) throw new UsageError(`epochs must be a whole number ≥ 1, got ${ctx.epochs}`);
  if (!(ctx.lr > 0)) throw new UsageError(`the learning rate must be > 0, got ${ctx.lr}`);
  const s = getStrategy(id);
  const params = resolveParams(id, overrides);
  const phases = s.plan(ctx, params as never);
  const plan: TrainPlan = { strategy: s.id === 'surgical' ? `surgical:${params.block}` : s.id, params, phases };
  if (planEpochs(plan) !== ctx.epochs) throw new Error(`${s.id} planned ${planEpochs(plan)} epochs for a ${ctx.epochs}-epoch run`);
  return plan;
}

/** `key=value` pairs from the command line into an overrides object. */
export function parseParamPairs(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const m = /^([A-Za-z][A-Za-z0-9]*)=(.+)$/.exec(p.trim());
    if (!m) throw new UsageError(`--param expects key=value (e.g. --param alpha=0.01), got '${p}'`);
    out[m[1]] = m[2];
  }
  return out;
}
