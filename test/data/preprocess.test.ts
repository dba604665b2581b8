import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/random.ts';
import { applyAugment, drawAugment, preprocess, resizeBilinear, DEFAULT_AUGMENT } from '../../src/data/preprocess.ts';
import { CAFFE_SPEC, TF_SPEC, TORCH_SPEC, type PreprocessSpec } from '../../src/data/preprocess-spec.ts';
import type { DecodedImage } from '../../src/data/types.ts';

const img = (w: number, h: number, c: 1 | 3, f: (i: number) => number): DecodedImage => ({
  width: w, height: h, channels: c, bitDepth: 8, data: Uint8Array.from({ length: w * h * c }, (_, i) => f(i)), maxValue: 255, format: 'png',
});
const at = (s: PreprocessSpec, size: number): PreprocessSpec => ({ ...s, inputSize: size });

test('normalisation follows the spec: caffe BGR mean subtraction, torch RGB mean/std, tf [-1, 1]', () => {
  const rgb = img(1, 1, 3, (i) => [200, 100, 50][i]);
  assert.deepEqual(Array.from(preprocess(rgb, at(CAFFE_SPEC, 1))).map((v) => +v.toFixed(3)), [50 - 103.939, 100 - 116.779, 200 - 123.68].map((v) => +v.toFixed(3)));
  const torch = Array.from(preprocess(rgb, at(TORCH_SPEC, 1)));
  [(200 / 255 - 0.485) / 0.229, (100 / 255 - 0.456) / 0.224, (50 / 255 - 0.406) / 0.225].forEach((v, k) => assert.ok(Math.abs(torch[k] - v) < 1e-5));
  const tf = Array.from(preprocess(rgb, at(TF_SPEC, 1)));
  [200 / 127.5 - 1, 100 / 127.5 - 1, 50 / 127.5 - 1].forEach((v, k) => assert.ok(Math.abs(tf[k] - v) < 1e-6));
  // Grey becomes three equal channels before normalisation.
  const g = Array.from(preprocess(img(1, 1, 1, () => 255), at(TF_SPEC, 1)));
  assert.deepEqual(g, [1, 1, 1]);
});

test('resize: bilinear with half-pixel centres — a linear ramp is sampled exactly inside, a constant stays constant', () => {
  // Downscale 40 → 10 (antialiased): a symmetric filter over a ramp returns the ramp at the output pixel's centre.
  const w = 40;
  const ramp = Float32Array.from({ length: w }, (_, x) => 3 * x + 7);
  const down = resizeBilinear(ramp, w, 1, 1, 10, 1);
  for (let i = 3; i < 7; i++) assert.ok(Math.abs(down[i] - (3 * ((i + 0.5) * 4 - 0.5) + 7)) < 1e-3, `down ${i}: ${down[i]}`);
  const up = resizeBilinear(ramp, w, 1, 1, 80, 1);
  for (let i = 4; i < 76; i++) assert.ok(Math.abs(up[i] - (3 * ((i + 0.5) / 2 - 0.5) + 7)) < 1e-3, `up ${i}: ${up[i]}`);
  const flat = resizeBilinear(new Float32Array(7 * 5 * 3).fill(42), 7, 5, 3, 224, 224);
  assert.ok(flat.every((v) => Math.abs(v - 42) < 1e-4));
  assert.equal(flat.length, 224 * 224 * 3);
});

test('augmentation: one draw per (seed) — same seed same pixels, a flip-only draw mirrors, 90° rotates', () => {
  const size = 8;
  const src = Float32Array.from({ length: size * size }, (_, i) => (i * 37) % 255);
  const id = { crop: { x: 0, y: 0, w: size, h: size }, hflip: false, vflip: false, angle: 0, brightness: 1, contrast: 1 };
  assert.deepEqual(applyAugment(src, size, 1, id), src);
  const flipped = applyAugment(src, size, 1, { ...id, hflip: true });
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) assert.equal(flipped[y * size + x], src[y * size + (size - 1 - x)]);
  const rot = applyAugment(src, size, 1, { ...id, angle: 90 });
  // Output (u, v) samples source (x, y) = rotation of the centred coordinates: x = v, y = size − 1 − u.
  for (let v = 0; v < size; v++) for (let u = 0; u < size; u++) assert.ok(Math.abs(rot[v * size + u] - src[(size - 1 - u) * size + v]) < 1e-3);
  const a = drawAugment(size, DEFAULT_AUGMENT, createRng('s:aug:0:5'));
  const b = drawAugment(size, DEFAULT_AUGMENT, createRng('s:aug:0:5'));
  const c = drawAugment(size, DEFAULT_AUGMENT, createRng('s:aug:1:5'));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.ok(Math.abs(a.angle) <= 10 && a.crop.w * a.crop.h >= 0.8 * size * size * 0.9 && a.brightness >= 0.9 && a.brightness <= 1.1);
  const x = preprocess(img(16, 16, 1, (i) => i % 256), at(TORCH_SPEC, 12), { augment: DEFAULT_AUGMENT, rng: createRng(1) });
  const y = preprocess(img(16, 16, 1, (i) => i % 256), at(TORCH_SPEC, 12), { augment: DEFAULT_AUGMENT, rng: createRng(1) });
  assert.deepEqual(x, y);
  // Brightness/contrast only: the mean scales by the brightness factor, values stay in 0..255.
  const bc = applyAugment(src, size, 1, { ...id, brightness: 1.1, contrast: 0.9 });
  const mean = (arr: Float32Array) => arr.reduce((s, v) => s + v, 0) / arr.length;
  assert.ok(bc.every((v) => v >= 0 && v <= 255));
  assert.ok(Math.abs(mean(bc) - mean(src) * 1.1) < 2);
});
