/**
 * The BatchNormalization layer every backbone uses: tfjs-layers' own, with these changes in `call`.
 *  - Training mode uses the fused op (src/engine/ops/batch-norm-training.ts): same numbers, far faster on wasm.
 *  - A frozen layer (trainable = false) runs in inference mode even when the model trains, so its moving statistics
 *    never move; its gradient is dx = dy·γ/σ only (src/engine/ops/batch-norm-frozen.ts), not TF.js's tiled one. This is Keras 2's rule and what LP and gradual unfreezing need; tfjs-layers itself keeps
 *    normalising with batch statistics and updating the moving averages of frozen layers.
 *  - In a data-parallel step, model.apply's kwargs carry the cross-replica sums (`syncedTraining`), which the fused
 *    op adds BatchNorm's channel sums over, so every replica normalises with the whole batch's statistics.
 *  - While a statistics collector is attached (src/train/batch-norm-stats.ts), the layer normalises with the batch's
 *    own statistics in any mode and hands them to the collector instead of moving its averages: that is how
 *    recalibration ("precise BN") measures the population statistics of the current weights.
 * The class name stays 'BatchNormalization', so saved models load in any TF.js or Keras tool.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormFrozen, batchNormTraining, type CrossReplicaSums } from '../engine/index.ts';

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

/**
 * model.apply's kwargs for one rank's part of a data-parallel step: training mode, with every training BatchNorm's
 * channel sums added over the ranks. tfjs-layers hands the same kwargs to every layer, nested models included.
 */
export function syncedTraining(sums: CrossReplicaSums): Kwargs {
  return { training: true, crossReplicaSums: sums };
}

/** Receives one batch's per-channel mean and biased variance over `rows` = images × pixels. */
export interface BatchStatsCollector {
  add(mean: Float64Array, variance: Float64Array, rows: number): void;
}

const StockBatchNormalization = Object.getPrototypeOf(tfl.layers.batchNormalization({})).constructor as {
  new (args: Parameters<typeof tfl.layers.batchNormalization>[0]): tfl.layers.Layer;
};

export class BatchNormalization extends StockBatchNormalization {
  static className = 'BatchNormalization';
  /** Set only during a recalibration pass. */
  collector: BatchStatsCollector | null = null;

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const self = this as unknown as BatchNormInternals;
    const lastAxis = self.axis === -1 || self.axis === x.rank - 1;
    if (this.collector && lastAxis) {
      const C = x.shape[x.rank - 1];
      const gamma = (self.gamma?.read() ?? tf.ones([C])) as tf.Tensor1D;
      const beta = (self.beta?.read() ?? tf.zeros([C])) as tf.Tensor1D;
      const { y, mean, variance } = batchNormTraining(x, gamma, beta, self.epsilon);
      if (!self.gamma) gamma.dispose();
      if (!self.beta) beta.dispose();
      this.collector.add(mean, variance, x.size / C);
      return y;
    }
    if (kwargs.training && !this.trainable && lastAxis) {
      return batchNormFrozen(x, self.movingMean.read() as tf.Tensor1D, self.movingVariance.read() as tf.Tensor1D,
        (self.beta?.read() ?? null) as tf.Tensor1D | null, (self.gamma?.read() ?? null) as tf.Tensor1D | null, self.epsilon);
    }
    if (!kwargs.training || !this.trainable || !lastAxis || !self.gamma || !self.beta) {
      return super.call(inputs, { ...kwargs, training: kwargs.training && this.trainable });
    }
    const sync = kwargs.crossReplicaSums as CrossReplicaSums | undefined;
    const { y, mean, variance } = batchNormTraining(x, self.gamma.read() as tf.Tensor1D, self.beta.read() as tf.Tensor1D, self.epsilon, sync);
    updateMovingAverage(self.movingMean, mean, 1 - self.momentum);
    updateMovingAverage(self.movingVariance, variance, 1 - self.momentum);
    return y;
  }
}

/** The moving averages' momentum (Keras convention: moving ← momentum·moving + (1 − momentum)·batch). */
export function setMomentum(layer: tfl.layers.Layer, momentum: number): void {
  (layer as unknown as BatchNormInternals).momentum = momentum;
}

/** The population statistics a layer normalises with at inference. */
export function movingStatistics(layer: tfl.layers.Layer): { mean: LayerVariableLike; variance: LayerVariableLike } {
  const self = layer as unknown as BatchNormInternals;
  return { mean: self.movingMean, variance: self.movingVariance };
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
