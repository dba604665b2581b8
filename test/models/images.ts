/** Test images as model input, decoded and normalised here with sharp, independently of src/data. */
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import type { PreprocessSpec } from '../../src/data/preprocess-spec.ts';

export interface View {
  /** Crop as fractions of width/height: left, top, size (square in relative terms). */
  crop?: [number, number, number];
  flip?: boolean;
}

export async function imageInput(file: string, spec: PreprocessSpec, view: View = {}): Promise<Float32Array> {
  let img = sharp(file).removeAlpha();
  if (view.crop) {
    const { width = 0, height = 0 } = await sharp(file).metadata();
    const [l, t, s] = view.crop;
    img = img.extract({ left: Math.round(l * width), top: Math.round(t * height), width: Math.round(s * width), height: Math.round(s * height) });
  }
  if (view.flip) img = img.flop();
  const { data } = await img.resize(spec.inputSize, spec.inputSize, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  const out = new Float32Array(spec.inputSize * spec.inputSize * 3);
  for (let p = 0; p < out.length; p += 3) {
    for (let c = 0; c < 3; c++) {
      const v = data[p + (spec.channelOrder === 'BGR' ? 2 - c : c)];
      out[p + c] = (v * spec.scale - spec.mean[c]) / spec.std[c];
    }
  }
  return out;
}

export async function batchOf(files: [string, View][], spec: PreprocessSpec): Promise<tf.Tensor4D> {
  const xs = await Promise.all(files.map(([f, v]) => imageInput(f, spec, v)));
  const all = new Float32Array(xs.length * xs[0].length);
  xs.forEach((x, i) => all.set(x, i * x.length));
  return tf.tensor4d(all, [xs.length, spec.inputSize, spec.inputSize, 3]);
}

export function topK(probs: ArrayLike<number>, labels: Record<string, string>, k: number): { label: string; p: number }[] {
  return Array.from(probs, (p, i) => ({ label: labels[String(i)], p }))
    .sort((a, b) => b.p - a.p)
    .slice(0, k);
}
