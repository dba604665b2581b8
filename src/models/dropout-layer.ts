/**
 * Dropout whose mask changes every training call yet is reproducible: tfjs-layers' Dropout with a seed draws the
 * same mask on every step (the seed is passed unchanged to each call), which is no dropout at all after step one.
 * Here call k uses seed + k. The class name stays 'Dropout' so saved models load anywhere.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

const StockDropout = Object.getPrototypeOf(tfl.layers.dropout({ rate: 0.5 })).constructor as {
  new (args: Parameters<typeof tfl.layers.dropout>[0]): tfl.layers.Layer;
};

export class SeededDropout extends StockDropout {
  static className = 'Dropout';
  private calls = 0;
  private readonly baseSeed: number;
  private readonly dropRate: number;

  constructor(args: { name?: string; rate: number; seed: number }) {
    super({ name: args.name, rate: args.rate });
    this.baseSeed = args.seed;
    this.dropRate = args.rate;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.dropRate <= 0) return tf.clone(x);
    return tf.dropout(x, this.dropRate, undefined, this.baseSeed + this.calls++);
  }
}
