/**
 * Fixtures for the loop and strategy tests: a small in-memory dataset whose classes differ in a learnable way
 * (a bright square in a class-specific quadrant), and deterministic weights for tiny_cnn (its conv initialiser is
 * not seeded), so that two builds of the model start from the same bits.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Dataset, DecodedImage } from '../../src/data/index.ts';
import { createModel } from '../../src/models/index.ts';
import { randomValues } from '../helpers/backends.ts';

export function syntheticDataset(n: number, numClasses = 2, size = 16, seed = 7): Dataset & { split: { train: number[]; val: number[]; test: number[] } } {
  const labels = new Int32Array(n);
  const noise = randomValues(n * size * size, seed);
  for (let i = 0; i < n; i++) labels[i] = i % numClasses;
  const image = (i: number): DecodedImage => {
    const data = new Uint8Array(size * size * 3);
    const c = labels[i];
    const qx = (c % 2) * (size / 2);
    const qy = Math.floor(c / 2) * (size / 2);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inside = x >= qx && x < qx + size / 2 && y >= qy && y < qy + size / 2;
        const v = Math.max(0, Math.min(255, (inside ? 170 : 80) + 60 * noise[i * size * size + y * size + x]));
        data.set([v, v, v], (y * size + x) * 3);
      }
    }
    return { width: size, height: size, channels: 3, bitDepth: 8, data, maxValue: 255, format: 'npy' };
  };
  const all = Array.from({ length: n }, (_, i) => i);
  return {
    name: 'synthetic',
    kind: 'npz',
    source: 'memory',
    classNames: Array.from({ length: numClasses }, (_, c) => `class${c}`),
    task: numClasses === 2 ? 'binary-class' : 'multi-class',
    size: n,
    labels,
    labelWidth: 1,
    skipped: [],
    sampleId: (i) => `s${i}`,
    load: async (i) => image(i),
    filePath: () => null,
    close: async () => {},
    split: { train: all.filter((i) => i % 5 < 3), val: all.filter((i) => i % 5 === 3), test: all.filter((i) => i % 5 === 4) },
  };
}

/** tiny_cnn with every weight set from a fixed LCG (moving variances positive), at 16×16 input. */
export async function tinyModel(numClasses = 2, seed = 1, inputSize = 16) {
  const created = await createModel('tiny_cnn', { numClasses, inputSize, seed });
  const m: tfl.LayersModel = created.model;
  m.setWeights(m.weights.map((w, i) => {
    const size = w.shape.reduce((a: number, d) => a * (d ?? 1), 1);
    const isVariance = w.originalName.includes('moving_variance');
    const isGamma = w.originalName.endsWith('gamma');
    const v = randomValues(size, seed * 1000 + i).map((u) => (isVariance || isGamma ? 1 + 0.5 * u : 0.3 * u));
    return tf.tensor(v, w.shape as number[]);
  }));
  return created;
}

/** Every weight of the model by Keras name, copied. */
export function snapshot(model: tfl.LayersModel): Map<string, Float32Array> {
  return new Map(model.weights.map((w) => [w.originalName, (w.read().dataSync() as Float32Array).slice()]));
}
