/**
 * Prints the convolution and dense shapes of a medft model (medft's own Keras topology with the bench head:
 * global average pooling + dense to 2 classes), one line each, for onednn_ceiling.cc:
 *   conv IC OC IH IW KH KW SH SW PAD_TOP PAD_LEFT PAD_BOTTOM PAD_RIGHT FIRST   (FIRST=1: reads only the image)
 *   dense IN OUT
 * Usage: node --import tsx scripts/onednn-ceiling/conv_shapes.ts MODEL SIZE
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { buildModel } from '../../src/models/index.ts';

const [name, sizeArg] = process.argv.slice(2);
if (!name || !sizeArg) { console.error('usage: conv_shapes.ts MODEL SIZE'); process.exit(1); }
await tf.setBackend('cpu');
let model: ReturnType<typeof buildModel>['model'];
try {
  ({ model } = buildModel(name, { numClasses: 2, inputSize: Number(sizeArg) }));
} catch (e) {
  console.error(`conv_shapes: ${(e as Error).message}`);
  process.exit(1);
}

// TensorFlow's 'same' padding: output ceil(in / stride), the odd pixel of padding goes to the bottom/right.
function samePad(inp: number, k: number, s: number): [number, number] {
  const out = Math.ceil(inp / s);
  const total = Math.max((out - 1) * s + k - inp, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

let first = true;
for (const layer of model.layers) {
  const cls = layer.getClassName();
  const inShape = (layer.input as tfl.SymbolicTensor).shape as number[];
  const cfg = layer.getConfig() as Record<string, unknown>;
  if (cls === 'Conv2D') {
    const [kh, kw] = cfg.kernelSize as number[];
    const [sh, sw] = cfg.strides as number[];
    const [, ih, iw, ic] = inShape;
    const oc = cfg.filters as number;
    const [pt, pb] = cfg.padding === 'same' ? samePad(ih, kh, sh) : [0, 0];
    const [pl, pr] = cfg.padding === 'same' ? samePad(iw, kw, sw) : [0, 0];
    console.log(`conv ${ic} ${oc} ${ih} ${iw} ${kh} ${kw} ${sh} ${sw} ${pt} ${pl} ${pb} ${pr} ${first ? 1 : 0}`);
    first = false;
  } else if (/Conv/.test(cls)) {
    console.error(`conv_shapes: ${name} has a ${cls} layer, which this script cannot describe`);
    process.exit(1);
  } else if (cls === 'Dense') {
    console.log(`dense ${inShape[inShape.length - 1]} ${cfg.units as number}`);
  }
}
