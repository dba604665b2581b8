/**
 * Child process for the native zoo train-step test: one train step (softmax cross-entropy of model.apply in training
 * mode, gradients of every trainable weight) of a zoo model with seeded initial weights and inputs, on wasm with or
 * without the oneDNN accelerator (MEDFT_ACCELERATOR). Writes the gradients, concatenated as float32, to OUT and prints
 * {accelerator, loss, names, sizes} as JSON on stdout.
 * Usage: zoo-step-child.ts MODEL SIZE BATCH OUT
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/backend.ts';
import { engineFromEnv } from '../../src/settings.ts';
import { buildModel } from '../../src/models/index.ts';
import { crossEntropy } from '../../src/train/loss.ts';
import { randomValues } from './backends.ts';

const [name, sizeArg, batchArg, out] = process.argv.slice(2);
const [size, batch] = [Number(sizeArg), Number(batchArg)];
const info = await initEngine({ ...engineFromEnv(), backend: 'wasm' });
const { model } = buildModel(name, { numClasses: 3, inputSize: size, seed: 7 });
const x = tf.tensor4d(randomValues(batch * size * size * 3, 21), [batch, size, size, 3]);
const y = Int32Array.from({ length: batch }, (_, i) => i % 3);
const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
const { value, grads } = tf.variableGrads(() => crossEntropy(model.apply(x, { training: true }) as tf.Tensor, y, 3), variables);
const flat = new Float32Array(variables.reduce((a, v) => a + v.size, 0));
let o = 0;
for (const v of variables) {
  flat.set(grads[v.name].dataSync(), o);
  o += v.size;
}
writeFileSync(out, flat);
process.stdout.write(JSON.stringify({ accelerator: info.accelerator, loss: value.dataSync()[0], names: variables.map((v) => v.name),
  sizes: variables.map((v) => v.size) }));
