/**
 * From a phase to the model's trainable set: layers of frozen blocks get `trainable = false` (so their BatchNorm runs
 * in inference mode and their variables get no gradient), and with `bn: 'eval'` every BatchNorm layer does.
 * Variables are keyed by their Keras name (`conv1_conv/kernel`): TF.js suffixes the unique names of a second model
 * built in the same process, the Keras names stay stable across runs and checkpoints.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ModelSpec } from '../models/index.ts';
import type { Phase } from './plan.ts';

export interface TrainVar {
  key: string;
  variable: tf.Variable;
  block: string;
  /** A BatchNormalization γ or β. */
  bn: boolean;
  /** The kernel of a head layer (what L2-SP's β term covers). */
  headKernel: boolean;
}

export function isBatchNorm(layer: tfl.layers.Layer): boolean {
  return layer.getClassName() === 'BatchNormalization';
}

export function blockOfLayer(spec: ModelSpec): Map<string, string> {
  const m = new Map<string, string>();
  for (const b of spec.blocks) for (const n of b.layerNames) m.set(n, b.name);
  return m;
}

/** Every weight of the model (trainable or not, BN moving statistics included), by Keras name. */
export function allWeights(model: tfl.LayersModel): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  for (const w of model.weights) {
    if (out.has(w.originalName)) throw new Error(`two weights named ${w.originalName}`);
    out.set(w.originalName, w.read() as tf.Variable);
  }
  return out;
}

/** Sets every layer's `trainable` flag for the phase and returns the variables that train, in model order. */
export function applyPhase(model: tfl.LayersModel, spec: ModelSpec, phase: Phase): TrainVar[] {
  const blockOf = blockOfLayer(spec);
  const known = new Set(spec.blocks.map((b) => b.name));
  for (const b of phase.trainBlocks) if (!known.has(b)) throw new Error(`phase ${phase.name} trains unknown block '${b}'`);
  const vars: TrainVar[] = [];
  for (const layer of model.layers) {
    const block = blockOf.get(layer.name);
    if (block == null) continue; // the input layer
    const bn = isBatchNorm(layer);
    const trains = phase.trainBlocks.includes(block) && !(bn && phase.bn === 'eval');
    layer.trainable = trains;
    if (!trains) continue;
    for (const w of layer.trainableWeights) {
      const short = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
      vars.push({ key: w.originalName, variable: w.read() as tf.Variable, block, bn, headKernel: block === 'head' && short === 'kernel' });
    }
  }
  return vars;
}

/** Blocks with at least one trainable layer (what an epoch actually trains). */
export function trainableBlocks(model: tfl.LayersModel, spec: ModelSpec): string[] {
  return spec.blocks
    .filter((b) => b.layerNames.some((n) => { const l = model.getLayer(n); return l.trainable && l.trainableWeights.length > 0; }))
    .map((b) => b.name);
}
