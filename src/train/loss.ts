/**
 * Softmax cross-entropy from logits, optionally class-weighted: Σ_i w_{y_i}·CE_i / Σ_i w_{y_i} (PyTorch's
 * CrossEntropyLoss(weight=…) convention, so the loss scale does not depend on the weights' scale).
 * `denominator` replaces that normaliser: a data-parallel replica divides its rows' sum by the whole batch's, so
 * that the replicas' gradients add up to the batch's.
 */
import * as tf from '@tensorflow/tfjs-core';

export function crossEntropy(logits: tf.Tensor, labels: Int32Array, numClasses: number, classWeights?: readonly number[], denominator?: number): tf.Scalar {
  return tf.tidy(() => {
    const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses);
    const ce = tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), -1));
    if (!classWeights) return (denominator ? tf.div(tf.sum(ce), denominator) : tf.mean(ce)) as tf.Scalar;
    const w = Float32Array.from(labels, (y) => classWeights[y]);
    const total = denominator ?? w.reduce((a, b) => a + b, 0);
    return tf.div(tf.sum(tf.mul(ce, tf.tensor1d(w))), total > 0 ? total : 1) as tf.Scalar;
  });
}
