/**
 * Minimal BMP decoder (sharp/libvips has no BMP loader): uncompressed BI_RGB 1/4/8-bit palette, 24-bit, 32-bit and
 * BI_BITFIELDS 16/32-bit, bottom-up or top-down. Palette images whose colours are all grey decode to one channel.
 */
import type { DecodedImage } from './types.ts';

export class BmpError extends Error {}

export function decodeBmp(buf: Uint8Array): DecodedImage {
  if (buf.length < 26 || buf[0] !== 0x42 || buf[1] !== 0x4d) throw new BmpError('not a BMP file (no "BM" signature)');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dataOffset = dv.getUint32(10, true);
  const dibSize = dv.getUint32(14, true);
  if (dibSize < 40) throw new BmpError(`old OS/2 BMP header (${dibSize} bytes) is not supported; re-save as a Windows BMP or PNG`);
  if (buf.length < 14 + dibSize) throw new BmpError('truncated header');
  const width = dv.getInt32(18, true);
  const rawHeight = dv.getInt32(22, true);
  const bpp = dv.getUint16(28, true);
  const compression = dv.getUint32(30, true);
  const colorsUsed = dv.getUint32(46, true);
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0) throw new BmpError(`bad dimensions ${width}×${rawHeight}`);
  if (compression !== 0 && compression !== 3) throw new BmpError(`compressed BMP (compression ${compression}) is not supported; re-save as PNG`);
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  if (dataOffset + stride * height > buf.length) throw new BmpError(`truncated pixel data (${buf.length} bytes, need ${dataOffset + stride * height})`);

  let masks: [number, number, number] | null = null;
  if (compression === 3) {
    const at = dibSize >= 52 ? 54 : 14 + dibSize;
    masks = [dv.getUint32(at, true), dv.getUint32(at + 4, true), dv.getUint32(at + 8, true)];
  } else if (bpp === 16) {
    masks = [0x7c00, 0x03e0, 0x001f];
  }

  let palette: Uint8Array | null = null;
  let grey = false;
  if (bpp <= 8) {
    const n = colorsUsed || 1 << bpp;
    const at = 14 + dibSize;
    palette = new Uint8Array(n * 3);
    grey = true;
    for (let i = 0; i < n; i++) {
      const b = buf[at + i * 4], g = buf[at + i * 4 + 1], r = buf[at + i * 4 + 2];
      palette[i * 3] = r; palette[i * 3 + 1] = g; palette[i * 3 + 2] = b;
      if (r !== g || g !== b) grey = false;
    }
  } else if (bpp !== 16 && bpp !== 24 && bpp !== 32) {
    throw new BmpError(`unsupported bit depth ${bpp}`);
  }

  const channels = grey ? 1 : 3;
  const out = new Uint8Array(width * height * channels);
  const field = (v: number, mask: number) => {
    if (!mask) return 0;
    const shift = 31 - Math.clz32(mask & -mask);
    const bits = 32 - Math.clz32(mask >>> shift);
    const x = (v & mask) >>> shift;
    return Math.round((x * 255) / ((1 << bits) - 1));
  };
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      let r: number, g: number, b: number;
      if (palette) {
        const idx = bpp === 8 ? buf[row + x] : bpp === 4 ? (buf[row + (x >> 1)] >> (x & 1 ? 0 : 4)) & 15 : (buf[row + (x >> 3)] >> (7 - (x & 7))) & 1;
        if (idx * 3 >= palette.length) throw new BmpError(`palette index ${idx} out of range`);
        r = palette[idx * 3]; g = palette[idx * 3 + 1]; b = palette[idx * 3 + 2];
      } else if (masks) {
        const v = bpp === 16 ? dv.getUint16(row + x * 2, true) : dv.getUint32(row + x * 4, true);
        r = field(v, masks[0]); g = field(v, masks[1]); b = field(v, masks[2]);
      } else {
        const p = row + x * (bpp / 8);
        b = buf[p]; g = buf[p + 1]; r = buf[p + 2];
      }
      if (channels === 1) out[o] = r;
      else { out[o] = r; out[o + 1] = g; out[o + 2] = b; }
    }
  }
  return { width, height, channels, bitDepth: 8, data: out, maxValue: 255, format: 'bmp' };
}
