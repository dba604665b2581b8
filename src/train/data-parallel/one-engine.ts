/** A step on this engine alone: the whole batch forward and backward here. */
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy } from '../loss.ts';
import type { DataParallel, GradientStep, StepGradients } from './data-parallel.ts';

export function gradientsHere(s: GradientStep): StepGradients {
  const x = tf.tensor(s.batch.x, s.batch.shape);
  const { value, grads } = tf.variableGrads(() => {
    const logits = s.net.apply(x, { training: true }) as tf.Tensor;
    s.onForward?.();
    return crossEntropy(logits, s.batch.y, s.numClasses, s.classWeights);
  }, s.variables);
  x.dispose();
  const loss = value.dataSync()[0];
  value.dispose();
  return { loss, grads, split: null };
}

/** No replicas: every step on this engine. */
export const ONE_ENGINE: DataParallel = { ranks: 1, gradients: gradientsHere, close: async () => {} };
