/**
 * From a decoded image to the model's input, in three stages:
 *  1. intensity: values to 0..255 floats — x·255/maxValue ('full', keeps all 16 bits of precision as floats), or the
 *     image's own min..max stretched to 0..255 ('minmax', for 12-bit data stored in 16-bit files);
 *  2. resize: stretched to inputSize × inputSize with bilinear interpolation (triangle filter, half-pixel centres),
 *     antialiased when shrinking — the same resampling as Pillow's Image.resize(size, BILINEAR);
 *  3. optional augmentation on the resized image (random resized crop, flips, small rotation — one inverse-mapped
 *     bilinear resample with edge clamping — then brightness and contrast), grey → 3 channels, the model's channel
 *     order and normalisation (x·scale − mean) / std from its PreprocessSpec, written into a caller's NHWC buffer.
 * Every random choice comes from the Rng passed in, so a (seed, epoch, sample) triple always gives the same pixels.
 */
import type { Rng } from '../random.ts';
import type { PreprocessSpec } from './preprocess-spec.ts';
import type { DecodedImage } from './types.ts';

export type IntensityMode = 'full' | 'minmax';

export interface AugmentOptions {
  hflip?: boolean;
  vflip?: boolean;
  /** Maximum rotation in degrees (uniform in ±rotate). */
  rotate?: number;
  /** Random resized crop: area fraction and aspect-ratio ranges (as torchvision's RandomResizedCrop). */
  crop?: { scale: [number, number]; ratio: [number, number] } | false;
  /** Brightness factor uniform in [1−b, 1+b]. */
  brightness?: number;
  /** Contrast factor uniform in [1−c, 1+c], around the image mean. */
  contrast?: number;
}

/** Mild defaults for medical images: no vertical flip (anatomy has an up), ±10°, crops keeping ≥ 80 % of the area. */
export const DEFAULT_AUGMENT: Required<AugmentOptions> = {
  hflip: true,
  vflip: false,
  rotate: 10,
  crop: { scale: [0.8, 1], ratio: [3 / 4, 4 / 3] },
  brightness: 0.1,
  contrast: 0.1,
};

/** Stage 1: values to 0..255 floats, channels as stored. */
export function toUnit255(img: DecodedImage, mode: IntensityMode = 'full'): Float32Array {
  const n = img.data.length;
  const out = new Float32Array(n);
  let lo = 0;
  let hi = img.maxValue;
  if (mode === 'minmax') {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = img.data[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!(hi > lo)) return out;
  }
  const k = 255 / (hi - lo);
  for (let i = 0; i < n; i++) out[i] = (img.data[i] - lo) * k;
  return out;
}

function weights(inSize: number, outSize: number): { start: Int32Array; count: Int32Array; w: Float32Array; taps: number } {
  const scale = inSize / outSize;
  const fscale = Math.max(scale, 1);
  const support = fscale;
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const w = new Float32Array(outSize * taps);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const x0 = Math.max(0, Math.floor(center - support));
    const x1 = Math.min(inSize, Math.ceil(center + support));
    let sum = 0;
    let k = 0;
    for (let x = x0; x < x1 && k < taps; x++, k++) {
      const t = Math.max(0, 1 - Math.abs((x + 0.5 - center) / fscale));
      w[i * taps + k] = t;
      sum += t;
    }
    for (let j = 0; j < k; j++) w[i * taps + j] /= sum || 1;
    start[i] = x0;
    count[i] = k;
  }
  return { start, count, w, taps };
}

/** Stage 2: separable antialiased bilinear resize of an HWC float image. */
export function resizeBilinear(src: Float32Array, width: number, height: number, channels: number, outW: number, outH: number): Float32Array {
  if (width === outW && height === outH) return src;
  const wx = weights(width, outW);
  const wy = weights(height, outH);
  const tmp = new Float32Array(height * outW * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < outW; x++) {
      const s = wx.start[x];
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let k = 0; k < wx.count[x]; k++) acc += src[(y * width + s + k) * channels + c] * wx.w[x * wx.taps + k];
        tmp[(y * outW + x) * channels + c] = acc;
      }
    }
  }
  const out = new Float32Array(outH * outW * channels);
  for (let y = 0; y < outH; y++) {
    const s = wy.start[y];
    for (let k = 0; k < wy.count[y]; k++) {
      const wk = wy.w[y * wy.taps + k];
      const row = (s + k) * outW * channels;
      const o = y * outW * channels;
      for (let j = 0; j < outW * channels; j++) out[o + j] += tmp[row + j] * wk;
    }
  }
  return out;
}

/** Stages 1–2: the deterministic, cacheable part — a size × size float image in 0..255. */
export function resizeToSquare(img: DecodedImage, size: number, intensity: IntensityMode = 'full'): Float32Array {
  return resizeBilinear(toUnit255(img, intensity), img.width, img.height, img.channels, size, size);
}

/** The random parameters of one augmentation draw (exported for tests and run records). */
export interface AugmentDraw {
  crop: { x: number; y: number; w: number; h: number };
  hflip: boolean;
  vflip: boolean;
  angle: number;
  brightness: number;
  contrast: number;
}

/** Draws every parameter in a fixed order (so turning one augmentation off does not change the others). */
export function drawAugment(size: number, aug: AugmentOptions, rng: Rng): AugmentDraw {
  const u = () => rng.next();
  const cropU = [u(), u(), u(), u()];
  const flipU = [u(), u()];
  const angleU = u();
  const bU = u();
  const cU = u();
  let crop = { x: 0, y: 0, w: size, h: size };
  if (aug.crop) {
    const [s0, s1] = aug.crop.scale;
    const [r0, r1] = aug.crop.ratio;
    const area = size * size * (s0 + (s1 - s0) * cropU[0]);
    const ratio = Math.exp(Math.log(r0) + (Math.log(r1) - Math.log(r0)) * cropU[1]);
    const w = Math.min(size, Math.max(1, Math.round(Math.sqrt(area * ratio))));
    const h = Math.min(size, Math.max(1, Math.round(Math.sqrt(area / ratio))));
    crop = { x: Math.floor(cropU[2] * (size - w + 1)), y: Math.floor(cropU[3] * (size - h + 1)), w, h };
  }
  return {
    crop,
    hflip: !!aug.hflip && flipU[0] < 0.5,
    vflip: !!aug.vflip && flipU[1] < 0.5,
    angle: aug.rotate ? (angleU * 2 - 1) * aug.rotate : 0,
    brightness: aug.brightness ? 1 + (bU * 2 - 1) * aug.brightness : 1,
    contrast: aug.contrast ? 1 + (cU * 2 - 1) * aug.contrast : 1,
  };
}

/** Applies one draw to a size × size HWC image in 0..255 (crop, flips and rotation in one bilinear inverse mapping). */
export function applyAugment(src: Float32Array, size: number, channels: number, d: AugmentDraw): Float32Array {
  const out = new Float32Array(src.length);
  const th = (d.angle * Math.PI) / 180;
  const cos = Math.cos(th);
  const sin = Math.sin(th);
  const half = size / 2;
  const sx = d.crop.w / size;
  const sy = d.crop.h / size;
  const max = size - 1;
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const dx = u + 0.5 - half;
      const dy = v + 0.5 - half;
      let rx = cos * dx + sin * dy;
      let ry = -sin * dx + cos * dy;
      if (d.hflip) rx = -rx;
      if (d.vflip) ry = -ry;
      const x = Math.min(max, Math.max(0, d.crop.x + (rx + half) * sx - 0.5));
      const y = Math.min(max, Math.max(0, d.crop.y + (ry + half) * sy - 0.5));
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const x1 = Math.min(max, x0 + 1);
      const y1 = Math.min(max, y0 + 1);
      const fx = x - x0;
      const fy = y - y0;
      for (let c = 0; c < channels; c++) {
        const a = src[(y0 * size + x0) * channels + c];
        const b = src[(y0 * size + x1) * channels + c];
        const e = src[(y1 * size + x0) * channels + c];
        const f = src[(y1 * size + x1) * channels + c];
        out[(v * size + u) * channels + c] = (a * (1 - fx) + b * fx) * (1 - fy) + (e * (1 - fx) + f * fx) * fy;
      }
    }
  }
  if (d.brightness !== 1 || d.contrast !== 1) {
    let mean = 0;
    for (let i = 0; i < out.length; i++) mean += out[i];
    mean = (mean / out.length) * d.brightness;
    for (let i = 0; i < out.length; i++) {
      const v = (out[i] * d.brightness - mean) * d.contrast + mean;
      out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return out;
}

/**
 * Stage 3 without augmentation: grey → 3 channels, channel order, (x·scale − mean)/std, written at `offset` into
 * `out` (an NHWC batch buffer).
 */
export function normalizeInto(src: Float32Array, size: number, channels: number, spec: PreprocessSpec, out: Float32Array, offset: number): void {
  const n = size * size;
  const bgr = spec.channelOrder === 'BGR';
  const [m0, m1, m2] = spec.mean;
  const [s0, s1, s2] = spec.std;
  const k = spec.scale;
  for (let i = 0; i < n; i++) {
    let r: number, g: number, b: number;
    if (channels === 1) r = g = b = src[i];
    else { r = src[i * 3]; g = src[i * 3 + 1]; b = src[i * 3 + 2]; }
    const c0 = bgr ? b : r;
    const c2 = bgr ? r : b;
    const o = offset + i * 3;
    out[o] = (c0 * k - m0) / s0;
    out[o + 1] = (g * k - m1) / s1;
    out[o + 2] = (c2 * k - m2) / s2;
  }
}

export interface PreprocessOptions {
  augment?: AugmentOptions | false;
  rng?: Rng;
  intensity?: IntensityMode;
}

/** The whole pipeline for one image; returns inputSize × inputSize × 3 float32 (HWC). */
export function preprocess(img: DecodedImage, spec: PreprocessSpec, opts: PreprocessOptions = {}): Float32Array {
  const out = new Float32Array(spec.inputSize * spec.inputSize * 3);
  preprocessResized(resizeToSquare(img, spec.inputSize, opts.intensity), img.channels, spec, out, 0, opts);
  return out;
}

/** Stage 3 (with optional augmentation) from an already resized image. */
export function preprocessResized(resized: Float32Array, channels: number, spec: PreprocessSpec, out: Float32Array, offset: number, opts: PreprocessOptions = {}): void {
  let img = resized;
  if (opts.augment) {
    if (!opts.rng) throw new Error('augmentation needs an rng');
    img = applyAugment(resized, spec.inputSize, channels, drawAugment(spec.inputSize, opts.augment, opts.rng));
  }
  normalizeInto(img, spec.inputSize, channels, spec, out, offset);
}
