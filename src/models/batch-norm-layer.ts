/**
 * The BatchNormalization layer every backbone uses: tfjs-layers' own, with two changes in `call`.
 *  - Training mode uses the fused op (src/engine/ops/batch-norm-training.ts): same numbers, far faster on wasm.
 *  - A frozen layer (trainable = false) runs in inference mode even when the model trains, so its moving statistics
 *    never move; its gradient is dx = dy·γ/σ only (src/engine/ops/batch-norm-frozen.ts), not TF.js's tiled one. This is Keras 2's rule and what LP and gradual unfreezing need; tfjs-layers itself keeps
 *    normalising with batch statistics and updating the moving averages of frozen layers.
 * The class name stays 'BatchNormalization', so saved models load in any TF.js or Keras tool.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormFrozen } from '../engine/ops/batch-norm-frozen.ts';
import { batchNormTraining } from '../engine/ops/batch-norm-training.ts';

interface LayerVariableLike {
  read(): tf.Tensor;
  write(t: tf.Tensor): void;
}
interface BatchNormInternals {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma: LayerVariableLike | null;
  beta: LayerVariableLike | null;
  movingMean: LayerVariableLike;
  movingVariance: LayerVariableLike;
}
type Kwargs = Record<string, unknown>;

const StockBatchNormalization = Object.getPrototypeOf(tfl.layers.batchNormalization({})).constructor as {
  new (args: Parameters<typeof tfl.layers.batchNormalization>[0]): tfl.layers.Layer;
};

export class BatchNormalization extends StockBatchNormalization {
  static className = 'BatchNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const self = this as unknown as BatchNormInternals;
    const lastAxis = self.axis === -1 || self.axis === x.rank - 1;
    if (kwargs.training && !this.trainable && lastAxis) {
      return batchNormFrozen(x, self.movingMean.read() as tf.Tensor1D, self.movingVariance.read() as tf.Tensor1D,
        (self.beta?.read() ?? null) as tf.Tensor1D | null, (self.gamma?.read() ?? null) as tf.Tensor1D | null, self.epsilon);
    }
    if (!kwargs.training || !this.trainable || !lastAxis || !self.gamma || !self.beta) {
      return super.call(inputs, { ...kwargs, training: kwargs.training && this.trainable });
    }
    const { y, mean, variance } = batchNormTraining(x, self.gamma.read() as tf.Tensor1D, self.beta.read() as tf.Tensor1D, self.epsilon);
    updateMovingAverage(self.movingMean, mean, 1 - self.momentum);
    updateMovingAverage(self.movingVariance, variance, 1 - self.momentum);
    return y;
  }
}

/**
 * moving ← moving − (moving − batch)·decay, in float32 with a rounding after each operation: the bits of TF.js's
 * sub(old, mul(sub(old, batch), decay)), computed in JS. As three TF.js ops per statistic they were six kernel calls
 * and tape nodes per BatchNorm per step (~730 per DenseNet-121 step), for vectors of a few hundred floats.
 */
function updateMovingAverage(variable: LayerVariableLike, batch: Float64Array, decay: number): void {
  const old = variable.read().dataSync() as Float32Array;
  const d = Math.fround(decay);
  const next = new Float32Array(old.length);
  for (let c = 0; c < old.length; c++) {
    const diff = Math.fround(old[c] - Math.fround(batch[c]));
    next[c] = old[c] - Math.fround(diff * d);
  }
  tf.tidy(() => variable.write(tf.tensor1d(next))); // the variable keeps the data; the handle goes
}
