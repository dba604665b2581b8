/**
 * Multiply-add FLOPs (×2) of one image through a tfjs-layers model's convolutions and dense layers — the count
 * behind every GFLOP/s figure medft prints. Elementwise work (BN, activations, pooling) is not counted.
 */
import type * as tfl from '@tensorflow/tfjs-layers';

type Shape = (number | null)[];

export function forwardFlopsPerImage(model: tfl.LayersModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const out = layer.outputShape as Shape;
    const weights = layer.getWeights();
    if ((cls === 'Conv2D' || cls === 'DepthwiseConv2D') && weights.length > 0) {
      // kernel [kh, kw, in, out] (Conv2D) or [kh, kw, in, multiplier] (depthwise): the same product either way
      const [kh, kw, cin, cout] = weights[0].shape as [number, number, number, number];
      flops += 2 * (out[1] as number) * (out[2] as number) * kh * kw * cin * cout;
    } else if (cls === 'Dense' && weights.length > 0) {
      const [inUnits, outUnits] = weights[0].shape as [number, number];
      flops += 2 * inUnits * outUnits;
    }
  }
  return flops;
}

/** A train step: forward, then input- and weight-gradients of every layer (the usual 3× forward convention). */
export const trainFlopsPerImage = (model: tfl.LayersModel) => 3 * forwardFlopsPerImage(model);
