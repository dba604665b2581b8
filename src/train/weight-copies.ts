/** Copies of every model weight as plain arrays (checkpoints, best-epoch weights) and putting them back. */
import type * as tf from '@tensorflow/tfjs-core';
import { floatsOf, tensorFromFill } from '../engine/index.ts';
import { UsageError } from '../errors.ts';

export function copyWeights(weights: Map<string, tf.Variable>): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [k, v] of weights) out.set(k, Float32Array.from(floatsOf(v)));
  return out;
}

export function setWeights(weights: Map<string, tf.Variable>, values: Map<string, Float32Array>): void {
  for (const [k, v] of weights) {
    const src = values.get(k);
    if (!src || src.length !== v.size) throw new UsageError(`checkpoint does not match the model: weight ${k} ${src ? `has ${src.length} values, not ${v.size}` : 'is missing'}`);
    const t = tensorFromFill(v.shape, (out) => out.set(src));
    v.assign(t);
    t.dispose();
  }
}
