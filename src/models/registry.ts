/**
 * The backbone registry in the style of timm: one file per family registers a FamilyDef; `createModel(name, opts)`
 * builds the Keras-named topology, attaches the new-task head (or the Keras top), describes it (parameters,
 * preprocessing, block partition, weight sources) and loads weights by name with a report.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { UsageError } from '../errors.ts';
import type { Paths } from '../paths.ts';
import { densenet121 } from './densenet121.ts';
import { newHead } from './head.ts';
import { mobilenetV1 } from './mobilenet-v1.ts';
import { mobilenetV2 } from './mobilenet-v2.ts';
import { resnet50 } from './resnet50.ts';
import { tinyCnn } from './tiny-cnn.ts';
import type { Block, CreatedModel, CreateModelOptions, FamilyDef, ModelSpec, ResolvedOptions, WeightsOption, WeightSourceInfo } from './types.ts';
import { vgg19 } from './vgg19.ts';
import { loadWeights, type LoadReport } from './weights/load.ts';
import { locateImagenetWeights, resolveImagenetWeights, usableCandidates } from './weights/resolve.ts';
import { withSeededInit, withZeroInit } from './layers.ts';

const FAMILIES: FamilyDef[] = [resnet50, densenet121, vgg19, mobilenetV2, mobilenetV1, tinyCnn];

export function modelNames(): string[] {
  return FAMILIES.map((f) => f.name);
}

/** The family registered under `name` (`mobilenet-v2` and `MobileNet_V2` are accepted for `mobilenet_v2`). */
export function getFamily(name: string): FamilyDef {
  const key = name.trim().toLowerCase().replace(/-/g, '_');
  const f = FAMILIES.find((d) => d.name === key);
  if (!f) throw new UsageError(`unknown model '${name}': choose one of ${modelNames().join(', ')}`);
  return f;
}

function isInt(v: number): boolean {
  return Number.isInteger(v);
}

export function resolveOptions(def: FamilyDef, opts: CreateModelOptions): ResolvedOptions {
  const includeTop = opts.includeTop ?? false;
  const numClasses = opts.numClasses ?? (includeTop ? 1000 : 0);
  const inputSize = opts.inputSize ?? def.defaultInputSize;
  const dropout = opts.dropout ?? 0;
  if (!isInt(numClasses) || numClasses < 0 || (includeTop && numClasses < 1)) {
    throw new UsageError(`numClasses must be a whole number ≥ ${includeTop ? 1 : 0}, got ${numClasses}`);
  }
  if (!isInt(inputSize) || inputSize < def.minInputSize) {
    throw new UsageError(`inputSize for ${def.name} must be a whole number ≥ ${def.minInputSize}, got ${inputSize}`);
  }
  if (!(dropout >= 0 && dropout < 1)) throw new UsageError(`dropout must be in [0, 1), got ${dropout}`);
  let alpha = 1;
  if (def.alphas) {
    alpha = opts.alpha ?? def.defaultAlpha ?? 1;
    if (!def.alphas.includes(alpha)) throw new UsageError(`alpha for ${def.name} must be one of ${def.alphas.join(', ')}, got ${alpha}`);
  } else if (opts.alpha != null && opts.alpha !== 1) {
    throw new UsageError(`${def.name} has no width multiplier; leave alpha unset`);
  }
  if (includeTop && !def.kerasTop) throw new UsageError(`${def.name} has no Keras classifier top; use includeTop: false with numClasses`);
  return { numClasses, inputSize, includeTop, alpha, dropout, seed: opts.seed };
}

function computeBlocks(def: FamilyDef, model: tfl.LayersModel): Block[] {
  const blocks: Block[] = def.blockNames.map((name) => ({ name, layerNames: [] }));
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const b = def.blockOf(layer.name);
    const block = blocks.find((x) => x.name === b);
    if (!block) throw new Error(`${def.name}: layer ${layer.name} maps to unknown block ${b}`);
    block.layerNames.push(layer.name);
  }
  return blocks.filter((b) => b.layerNames.length > 0);
}

function trainableCount(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce((s, w) => s + w.shape.reduce((a: number, d) => a * (d ?? 1), 1), 0);
}

/** Builds the topology (no weights loaded) and its spec. */
export function buildModel(name: string, opts: CreateModelOptions = {}): CreatedModel {
  const def = getFamily(name);
  const o = resolveOptions(def, opts);
  def.validate?.(o, opts.weights ?? null);
  const input = tfl.input({ shape: [o.inputSize, o.inputSize, 3], name: 'input_1' });
  let head: ModelSpec['head'] = 'none';
  const output = withSeededInit(o.seed ?? 0, () => {
    const features = def.backbone(input, o);
    if (o.includeTop) {
      head = 'keras-top';
      return def.kerasTop!(features, o);
    }
    if (o.numClasses > 0) {
      head = 'new';
      return newHead(features, o.numClasses, o.dropout, o.seed);
    }
    return features;
  });
  const model = tfl.model({ inputs: input, outputs: output, name: def.name });
  const spec: ModelSpec = {
    name: def.name,
    family: def.family,
    params: model.countParams(),
    trainableParams: trainableCount(model),
    inputSize: o.inputSize,
    numClasses: o.numClasses,
    includeTop: o.includeTop,
    ...(def.alphas ? { alpha: o.alpha } : {}),
    head,
    preprocess: { ...def.preprocess, inputSize: o.inputSize },
    blocks: computeBlocks(def, model),
  };
  return { model, spec };
}

/**
 * Builds a model and, with `weights`, loads them by name: `'imagenet'` resolves the family's pretrained weights
 * (MEDFT_WEIGHTS_DIR, the cache, then npm/download where the family has one), a string is a path to a TF.js
 * folder/model.json or a Keras .h5. Throws (and frees the model) unless every backbone tensor matched.
 */
export async function createModel(
  name: string,
  opts: CreateModelOptions = {},
): Promise<CreatedModel & { loadReport?: LoadReport }> {
  const def = getFamily(name);
  const weights: WeightsOption = opts.weights ?? null;
  if (weights === 'imagenet' && opts.includeTop && (opts.numClasses ?? 1000) !== 1000 && !opts.allowHeadMismatch) {
    throw new UsageError(`ImageNet weights with includeTop need numClasses 1000 (got ${opts.numClasses}); use includeTop: false for a new head`);
  }
  const built = buildModel(name, opts);
  if (weights == null) return built;
  try {
    const o = resolveOptions(def, opts);
    const path = weights === 'imagenet' ? await resolveImagenetWeights(def, o, imagenetPaths(opts)) : weights;
    const loadReport = await loadWeights(built.model, path, {
      allowHeadMismatch: opts.allowHeadMismatch,
      renameLayer: def.renameLayer,
    });
    return { ...built, loadReport };
  } catch (e) {
    built.model.dispose();
    throw e;
  }
}

/** `opts.paths`, which ImageNet weights cannot be found without. */
function imagenetPaths(opts: CreateModelOptions): Paths {
  if (!opts.paths) throw new UsageError("weights 'imagenet' need the folders to look in: pass paths: { dataDir, weightsDir, cacheDir } (settingsFromEnv().paths holds the MEDFT_* ones)");
  return opts.paths;
}

/**
 * The path of the ImageNet weights `createModel(name, { ...opts, weights: 'imagenet' })` would load, fetched into the
 * cache first when no copy is found (`onFetch` is told before that happens). Lets a caller fetch once before starting
 * processes that would each fetch.
 */
export async function imagenetWeightsPath(name: string, opts: CreateModelOptions & { paths: Paths }, onFetch?: () => void): Promise<string> {
  const def = getFamily(name);
  const o = resolveOptions(def, opts);
  const here = locateImagenetWeights(def, o, opts.paths);
  if (here) return here;
  if (usableCandidates(def, o).some((c) => c.fetch)) onFetch?.();
  return resolveImagenetWeights(def, o, opts.paths);
}

/** The model's weight variables grouped by block, in block order (BatchNorm moving statistics included). */
export function blockWeights(model: tfl.LayersModel, spec: ModelSpec): { block: string; weights: tfl.LayerVariable[] }[] {
  return spec.blocks.map((b) => ({ block: b.name, weights: b.layerNames.flatMap((n) => model.getLayer(n).weights) }));
}

export interface ModelInfo {
  name: string;
  family: string;
  description: string;
  inputSize: number;
  alphas?: number[];
  preprocess: ModelSpec['preprocess'];
  blocks: string[];
  /** Parameter counts of the reference configurations (Keras' numbers), computed by building them. */
  configs: { label: string; options: CreateModelOptions; params: number }[];
  /** Where its ImageNet weights are looked for, in order, in the folders describeModel was given. */
  weightSources: WeightSourceInfo[];
}

/** The reference configurations listed by `medft models`: those whose Keras parameter counts are known. */
export const REFERENCE_CONFIGS: Record<string, { label: string; options: CreateModelOptions }[]> = {
  resnet50: [
    { label: 'with 1000-class top', options: { includeTop: true } },
    { label: 'no top', options: {} },
  ],
  densenet121: [
    { label: 'with 1000-class top', options: { includeTop: true } },
    { label: 'no top', options: {} },
  ],
  vgg19: [
    { label: 'with 1000-class top', options: { includeTop: true } },
    { label: 'no top', options: {} },
  ],
  mobilenet_v2: [
    { label: 'alpha 0.35, no top', options: { alpha: 0.35 } },
    { label: 'alpha 1.0, with 1000-class top', options: { alpha: 1.0, includeTop: true } },
  ],
  mobilenet_v1: [
    { label: 'alpha 0.25, with 1000-class top', options: { alpha: 0.25, includeTop: true } },
    { label: 'alpha 1.0, with 1000-class top', options: { alpha: 1.0, includeTop: true } },
  ],
  tiny_cnn: [{ label: '10-class head', options: { numClasses: 10 } }],
};

/** Whether the model has ImageNet weights to start from (in its default configuration). */
export function hasImagenetWeights(name: string): boolean {
  const def = getFamily(name);
  return def.weightSources(resolveOptions(def, {})).length > 0;
}

/**
 * Describes every registered model, building each reference configuration once to count its parameters; `paths` are
 * the folders its weight sources are described in.
 */
export function listModels(paths: Paths): ModelInfo[] {
  return modelNames().map((name) => describeModel(name, paths));
}

/** One model of listModels(): each takes a moment to build, so a caller can show them one by one. */
export function describeModel(name: string, paths: Paths): ModelInfo {
  const def = getFamily(name);
  const configs = (REFERENCE_CONFIGS[def.name] ?? []).map(({ label, options }) => {
    const { model } = withZeroInit(() => buildModel(def.name, options));
    const params = model.countParams();
    model.dispose();
    return { label, options, params };
  });
  const defaults: CreateModelOptions = def.alphas ? { alpha: def.defaultAlpha } : {};
  const { spec, model } = withZeroInit(() => buildModel(def.name, defaults));
  model.dispose();
  return {
    name: def.name,
    family: def.family,
    description: def.description,
    inputSize: def.defaultInputSize,
    ...(def.alphas ? { alphas: def.alphas } : {}),
    preprocess: spec.preprocess,
    blocks: def.blockNames,
    configs,
    weightSources: def.weightSources(resolveOptions(def, defaults)).map(({ kind, format, location, includesTop, note }) => ({
      kind, format, location: location(paths), includesTop, ...(note ? { note } : {}),
    })),
  };
}
