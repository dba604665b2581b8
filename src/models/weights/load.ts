/**
 * Loads weights into a model by Keras layer/weight name and reports what matched. Nothing is assigned unless the
 * whole load is acceptable, so a failed load never leaves a half-pretrained model behind.
 *
 * Acceptable means: every backbone tensor of the model found a tensor of the same shape in the file; tensors the
 * file has and the model lacks belong only to a classifier the model does not include (e.g. `predictions` when
 * loading a full ImageNet file into a backbone); the head's tensors either match, are absent from the file (a new
 * head keeps its fresh initialisation), or differ in shape when the caller allows that for the head.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { existsSync } from 'node:fs';
import { InputError, ResourceError } from '../../errors.ts';
import { isH5Path, readKerasH5 } from './h5.ts';
import { disposeSource, sourceTensorCount, type SourceLayer, type SourceWeights } from './source.ts';
import { isTfjsSource, readTfjsWeights } from './tfjs.ts';

/** Layer names of the Keras classifiers of the zoo's families (and the legacy ResNet-50 `fc1000`). */
export const KERAS_TOP_LAYERS = ['predictions', 'fc1', 'fc2', 'conv_preds', 'fc1000'];
export const HEAD_PREFIX = 'medft_head_';

export interface ShapeMismatch {
  name: string;
  modelShape: number[];
  fileShape: number[];
  head: boolean;
}

export interface LoadReport {
  file: string;
  format: SourceWeights['format'];
  /** `layer/weight` names assigned from the file. */
  matched: string[];
  /** Model tensors the file lacks (only head tensors can be here after a successful load). */
  missing: string[];
  /** File tensors the model lacks (only classifier tensors the model does not include). */
  unexpected: string[];
  shapeMismatched: ShapeMismatch[];
  /** Tensors matched positionally within a layer because the file's names differ (old Keras files). */
  matchedByPosition: string[];
  /** Parameters assigned, and parameters of the model in total. */
  matchedParams: number;
  modelParams: number;
  fileTensors: number;
  /** True when every non-head tensor of the model was assigned from the file. */
  backboneComplete: boolean;
}

export interface LoadOptions {
  /** Allow the head's tensors to differ in shape (they keep their initial values). */
  allowHeadMismatch?: boolean;
  /** Maps layer names of the file onto the model's (e.g. Keras 2.2 ResNet names). */
  renameLayer?: (name: string) => string;
  /** Layers counted as head (default: `medft_head_*` and the Keras classifier layers). */
  isHeadLayer?: (name: string) => boolean;
}

export function defaultIsHeadLayer(name: string): boolean {
  return name.startsWith(HEAD_PREFIX) || KERAS_TOP_LAYERS.includes(name);
}

/** Reads a weights file or folder: TF.js folder/model.json, or Keras .h5. */
export async function readWeights(p: string): Promise<SourceWeights> {
  if (!existsSync(p)) {
    throw new ResourceError(`weights not found at ${p}: give a TF.js folder (model.json + shards) or a Keras .h5 file`);
  }
  if (isTfjsSource(p)) return readTfjsWeights(p);
  if (isH5Path(p)) return readKerasH5(p);
  throw new InputError(`${p}: not a TF.js model folder/model.json nor a Keras .h5 file; pass one of those`);
}

/** The short weight name of a tfjs-layers variable (`conv1_conv/kernel` → `kernel`). */
function shortWeightName(v: tfl.LayerVariable): string {
  const n = v.originalName;
  return n.slice(n.lastIndexOf('/') + 1);
}

function shapeEq(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

const LIST = 8;
function listSome(xs: string[]): string {
  return xs.length <= LIST ? xs.join(', ') : `${xs.slice(0, LIST).join(', ')} … (${xs.length} in all)`;
}

export async function loadWeights(
  model: tfl.LayersModel,
  source: string | SourceWeights,
  opts: LoadOptions = {},
): Promise<LoadReport> {
  const src = typeof source === 'string' ? await readWeights(source) : source;
  try {
    return assign(model, src, opts);
  } finally {
    if (typeof source === 'string') disposeSource(src);
  }
}

function assign(model: tfl.LayersModel, src: SourceWeights, opts: LoadOptions): LoadReport {
  const isHead = opts.isHeadLayer ?? defaultIsHeadLayer;
  const rename = opts.renameLayer ?? ((n: string) => n);
  const fileLayers = new Map<string, SourceLayer>();
  for (const l of src.layers.values()) {
    const name = rename(l.name);
    if (fileLayers.has(name)) throw new InputError(`${src.file}: two layers map to '${name}'; the file mixes naming schemes`);
    fileLayers.set(name, l);
  }

  const report: LoadReport = {
    file: src.file,
    format: src.format,
    matched: [],
    missing: [],
    unexpected: [],
    shapeMismatched: [],
    matchedByPosition: [],
    matchedParams: 0,
    modelParams: model.countParams(),
    fileTensors: sourceTensorCount(src),
    backboneComplete: false,
  };
  const writes: [tfl.LayerVariable, tf.Tensor][] = [];
  const used = new Set<string>();
  const missingBackbone: string[] = [];
  const foreign: string[] = [];

  for (const layer of model.layers) {
    const vars = layer.weights;
    if (vars.length === 0) continue;
    const head = isHead(layer.name);
    const fl = fileLayers.get(layer.name);
    const names = vars.map((v) => `${layer.name}/${shortWeightName(v)}`);
    if (!fl) {
      report.missing.push(...names);
      if (!head) missingBackbone.push(...names);
      continue;
    }
    used.add(layer.name);
    const byName = vars.every((v) => fl.weightNames.includes(shortWeightName(v)));
    const positional = !byName && fl.weightNames.length === vars.length;
    vars.forEach((v, i) => {
      const j = byName ? fl.weightNames.indexOf(shortWeightName(v)) : positional ? i : -1;
      const name = names[i];
      if (j < 0) {
        report.missing.push(name);
        if (!head) missingBackbone.push(name);
        return;
      }
      const t = fl.tensors[j];
      const vshape = v.shape as number[];
      if (!shapeEq(vshape, t.shape)) {
        report.shapeMismatched.push({ name, modelShape: [...vshape], fileShape: [...t.shape], head });
        return;
      }
      writes.push([v, t]);
      report.matched.push(name);
      if (positional) report.matchedByPosition.push(`${name} ← ${fl.name}/${fl.weightNames[j]}`);
      report.matchedParams += t.size;
    });
    const extra = byName
      ? fl.weightNames.filter((wn) => !vars.some((v) => shortWeightName(v) === wn))
      : positional
        ? []
        : fl.weightNames;
    for (const wn of extra) {
      report.unexpected.push(`${fl.name}/${wn}`);
      if (!head) foreign.push(`${fl.name}/${wn}`);
    }
  }
  const modelLayerNames = new Set(model.layers.map((l) => l.name));
  for (const [name, fl] of fileLayers) {
    if (used.has(name)) continue;
    const names = fl.weightNames.map((wn) => `${fl.name}/${wn}`);
    report.unexpected.push(...names);
    // Classifier tensors the model does not include are fine; anything else means the file is for another model.
    if (!(KERAS_TOP_LAYERS.includes(name) && !modelLayerNames.has(name))) foreign.push(...names);
  }

  const fix = 'check that the file is for this model (name, width multiplier alpha, with or without top)';
  if (missingBackbone.length > 0) {
    throw new InputError(`${src.file}: ${missingBackbone.length} tensors of the model are not in the file: ${listSome(missingBackbone)}; ${fix}`);
  }
  const badShapes = report.shapeMismatched.filter((m) => !m.head || !opts.allowHeadMismatch);
  if (badShapes.length > 0) {
    const s = badShapes.map((m) => `${m.name} model [${m.modelShape}] vs file [${m.fileShape}]`);
    const headHint = badShapes.every((m) => m.head) ? '; the head differs: pass allowHeadMismatch to keep a fresh head' : `; ${fix}`;
    throw new InputError(`${src.file}: ${badShapes.length} tensors differ in shape: ${listSome(s)}${headHint}`);
  }
  if (foreign.length > 0) {
    throw new InputError(`${src.file}: ${foreign.length} tensors in the file have no place in the model: ${listSome(foreign)}; ${fix}`);
  }
  report.backboneComplete = true;

  for (const [v, t] of writes) v.write(t);
  return report;
}

/** One line for logs: `matched 320/320 tensors (25,636,712 params) from …`. */
export function formatLoadReport(r: LoadReport): string {
  const total = r.matched.length + r.missing.length + r.shapeMismatched.length;
  const parts = [`matched ${r.matched.length}/${total} tensors (${r.matchedParams.toLocaleString('en-US')} of ${r.modelParams.toLocaleString('en-US')} params) from ${r.file}`];
  if (r.missing.length) parts.push(`new (head): ${listSome(r.missing)}`);
  if (r.shapeMismatched.length) parts.push(`re-initialised (head shape differs): ${listSome(r.shapeMismatched.map((m) => m.name))}`);
  if (r.unexpected.length) parts.push(`unused from file: ${listSome(r.unexpected)}`);
  return parts.join('; ');
}
