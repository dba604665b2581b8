import type * as tf from '@tensorflow/tfjs-core';
import type { WeightFormat } from '../types.ts';

/** One layer's tensors as a weights file holds them (names without the layer prefix, e.g. `kernel`). */
export interface SourceLayer {
  name: string;
  weightNames: string[];
  tensors: tf.Tensor[];
}

/** The tensors of a weights file, grouped by layer, ready to be matched by name against a model. */
export interface SourceWeights {
  file: string;
  format: WeightFormat;
  layers: Map<string, SourceLayer>;
}

export function disposeSource(s: SourceWeights): void {
  for (const l of s.layers.values()) for (const t of l.tensors) t.dispose();
}

export function sourceTensorCount(s: SourceWeights): number {
  let n = 0;
  for (const l of s.layers.values()) n += l.tensors.length;
  return n;
}

/** Splits `layer/weight` (TF.js and Keras `layer/weight:0`) at the last slash; drops a `:0` suffix. */
export function splitWeightName(full: string): { layer: string; weight: string } {
  const name = full.replace(/:\d+$/, '');
  const i = name.lastIndexOf('/');
  if (i < 0) return { layer: name, weight: name };
  return { layer: name.slice(0, i), weight: name.slice(i + 1) };
}

/** Adds a tensor under its layer, keeping file order. */
export function addToLayer(layers: Map<string, SourceLayer>, layer: string, weight: string, t: tf.Tensor): void {
  let l = layers.get(layer);
  if (!l) {
    l = { name: layer, weightNames: [], tensors: [] };
    layers.set(layer, l);
  }
  l.weightNames.push(weight);
  l.tensors.push(t);
}
