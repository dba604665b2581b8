/**
 * The part of a data-parallel step that every rank runs alike: its rows' loss gradients with BatchNorm's channel
 * sums taken over all ranks, and the copies of weights and gradients through the shared channel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { floatsOf, tensorFromFill } from '../../engine/index.ts';
import { syncedTraining } from '../../models/index.ts';
import { crossEntropy } from '../loss.ts';
import type { SharedChannel } from './shared-channel.ts';

/** One rank's rows of a batch, and what its loss is divided by (the whole batch's row count or class weight). */
export interface Shard {
  x: Float32Array;
  shape: number[];
  y: Int32Array;
  numClasses: number;
  classWeights?: number[];
  denominator: number;
}

export function shardGradients(model: tfl.LayersModel, variables: tf.Variable[], s: Shard, channel: SharedChannel, onForward?: () => void): { loss: tf.Scalar; grads: tf.NamedTensorMap } {
  const x = tf.tensor(s.x, s.shape);
  const kwargs = syncedTraining({ ranks: channel.ranks, allReduce: (parts) => channel.allReduceSmall(parts) });
  try {
    const { value, grads } = tf.variableGrads(
      () => {
        const logits = model.apply(x, kwargs) as tf.Tensor;
        onForward?.();
        return crossEntropy(logits, s.y, s.numClasses, s.classWeights, s.denominator);
      }, variables);
    return { loss: value, grads };
  } finally {
    x.dispose();
  }
}

/** Every weight of the model (BatchNorm statistics included) in model order: the layout of the weights area. */
export function modelVariables(model: tfl.LayersModel): tf.Variable[] {
  return model.weights.map((w) => w.read() as tf.Variable);
}

/** Rank 0: the model's current weights into the channel. */
export function publishWeights(variables: tf.Variable[], area: Float32Array): void {
  let o = 0;
  for (const v of variables) { area.set(floatsOf(v), o); o += v.size; }
}

/**
 * Other ranks: the channel's weights into the replica's variables. Assigned as new tensors, never written in place:
 * the wasm backend caches XNNPACK operators (with packed filters) by tensor, as it does for the optimizer's updates.
 */
export function adoptWeights(variables: tf.Variable[], area: Float32Array): void {
  let o = 0;
  for (const v of variables) {
    const from = o;
    const t = tensorFromFill(v.shape, (out) => out.set(area.subarray(from, from + v.size)));
    v.assign(t);
    t.dispose();
    o += v.size;
  }
}
