/**
 * BatchNorm of a frozen layer while the model trains (LP-FT's FT phase with `ftBn: eval`, Auto-RGN, frozen blocks above
 * trainable ones): inference mode, γ and β fixed, so only the input's gradient is wanted: dx = dy·γ/√(σ²+ε). TF.js's
 * own FusedBatchNorm gradient tiles every per-channel vector to the activation's shape first (slow on wasm), which made
 * FT steps with frozen BN far slower than ones with batch statistics (figures:
 * docs/engine.md#measurements-behind-the-code). The forward is TF.js's batchNorm itself, so outputs are unchanged to
 * the bit.
 */
import * as tf from '@tensorflow/tfjs-core';

export function batchNormFrozen(x: tf.Tensor, mean: tf.Tensor1D, variance: tf.Tensor1D, beta: tf.Tensor1D | null,
  gamma: tf.Tensor1D | null, epsilon: number): tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, save] = args as [tf.Tensor, tf.GradSaveFunc];
    // γ/√(σ²+ε), saved for the backward pass (tensors made in a gradient's forward are freed before the backward)
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    const scale = gamma ? tf.mul(rstd, gamma) : rstd;
    save([scale]);
    return {
      value: tf.batchNorm(xIn, mean, variance, beta ?? undefined, gamma ?? undefined, epsilon),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [tf.mul(dy as tf.Tensor, saved[0])],
    };
  });
  return op(x) as tf.Tensor;
}
