/**
 * Making a RunSpec and its plan. The RunSpec type itself is in train/run-spec.ts, since medft.json records it;
 * resolving a strategy needs strategies/, which sits above train/.
 */
import { DEFAULT_ENGINE_SETTINGS } from '../engine/settings.ts';
import { resolveStepEngine } from '../engine/whole-step/choice.ts';
import { getFamily, hasImagenetWeights } from '../models/index.ts';
import { buildPlan, resolveParams } from '../strategies/index.ts';
import { resolveTrainConfig, type TrainConfigInput } from '../train/config.ts';
import type { TrainPlan } from '../train/plan.ts';
import type { RunEngine, RunSpec } from '../train/run-spec.ts';

export type { RunEngine, RunSpec } from '../train/run-spec.ts';

/** A run as a caller asks for it; resolveRunSpec fills in every default. */
export interface RunSpecInput {
  /** A file, folder or dataset name. */
  data: string;
  skipBad?: boolean;
  model: string;
  /** 'imagenet', 'none' or a path; default: 'imagenet' where the model has ImageNet weights, else none. */
  weights?: string;
  inputSize?: number;
  dropout?: number;
  strategy: string;
  /** The strategy's hyper-parameters (strings are coerced, as from `--param key=value`). */
  params?: Record<string, unknown>;
  epochs: number;
  lr: number;
  train?: TrainConfigInput;
  featureCache?: boolean;
  /** Default: the default engine settings with one replica (callers that start another engine say which). */
  engine?: RunEngine;
}

/** The RunSpec of `input`, every default filled in and the strategy checked against the model's blocks. */
export function resolveRunSpec(input: RunSpecInput): RunSpec {
  const strategy = { id: input.strategy, params: resolveParams(input.strategy, input.params ?? {}) };
  const weights = input.weights ?? (hasImagenetWeights(input.model) ? 'imagenet' : 'none');
  const spec: RunSpec = {
    data: { path: input.data, skipBad: !!input.skipBad },
    model: { name: input.model, weights: weights === 'none' ? null : weights, inputSize: input.inputSize ?? null, dropout: input.dropout ?? 0 },
    strategy,
    epochs: input.epochs,
    lr: input.lr,
    train: resolveTrainConfig(input.train ?? {}),
    featureCache: input.featureCache ?? true,
    engine: input.engine ?? { ...DEFAULT_ENGINE_SETTINGS, replicas: 1, step: resolveStepEngine('auto', DEFAULT_ENGINE_SETTINGS, 1) },
  };
  planOf(spec);
  return spec;
}

/**
 * The strategy's plan for the spec's model. Every family's blocks are known without building it (`blockNames`), so
 * the plan is resolved before the model exists; the run checks that the built model has those blocks.
 */
export function planOf(spec: Pick<RunSpec, 'model' | 'strategy' | 'epochs' | 'lr'>): TrainPlan {
  const blocks = getFamily(spec.model.name).blockNames;
  return buildPlan(spec.strategy.id, { blocks: [...blocks], epochs: spec.epochs, lr: spec.lr }, spec.strategy.params);
}
