/**
 * Decoding one image file into a DecodedImage: the format is sniffed from the file's first bytes (not its name), then
 * PNG (8/16-bit), JPEG, TIFF, WebP and GIF go through sharp with the colour space pinned (so 16-bit stays 16-bit and
 * grey stays one channel), BMP through bmp.ts and DICOM through dicom.ts. Every failure is an InputError naming the file.
 */
import { readFile } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import sharp from 'sharp';
import { InputError } from '../errors.ts';
import { BmpError, decodeBmp } from './bmp.ts';
import { DicomError, decodeDicom } from './dicom.ts';
import type { DecodedImage, ImageFormat } from './types.ts';

/** File name endings listed as images when scanning folders. DICOM files often have no extension: see `looksLikeDicom`. */
export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp', '.gif', '.dcm', '.dicom']);

/** Files silently ignored when scanning folders (OS droppings). */
export function isIgnorable(name: string): boolean {
  return name.startsWith('.') || name === 'Thumbs.db' || name === 'desktop.ini' || name === '__MACOSX';
}

export function sniffFormat(head: Uint8Array): ImageFormat | null {
  const at = (i: number, bytes: number[]) => bytes.every((b, k) => head[i + k] === b);
  if (at(0, [0x89, 0x50, 0x4e, 0x47])) return 'png';
  if (at(0, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (at(0, [0x42, 0x4d])) return 'bmp';
  if (at(0, [0x49, 0x49, 0x2a, 0x00]) || at(0, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (at(0, [0x52, 0x49, 0x46, 0x46]) && at(8, [0x57, 0x45, 0x42, 0x50])) return 'webp';
  if (at(0, [0x47, 0x49, 0x46, 0x38])) return 'gif';
  if (at(128, [0x44, 0x49, 0x43, 0x4d])) return 'dicom';
  return null;
}

/** Reads the first 132 bytes to tell whether an extension-less file is DICOM (the "DICM" preamble). */
export async function looksLikeDicom(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const head = new Uint8Array(132);
    const { bytesRead } = await fh.read(head, 0, 132, 0);
    return bytesRead === 132 && sniffFormat(head) === 'dicom';
  } finally {
    await fh.close();
  }
}

function describeErr(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].replace(/^Input buffer (has corrupt header: )?/, '');
}

export async function decodeBytes(buf: Uint8Array, file: string): Promise<DecodedImage> {
  if (buf.length === 0) throw new InputError(`${file}: empty file (0 bytes); remove it or re-export the image`);
  const format = sniffFormat(buf);
  if (!format) {
    throw new InputError(`${file}: not an image (unknown format; supported: PNG, JPEG, BMP, TIFF, WebP, GIF, DICOM); remove it from the dataset or pass --skip-bad`);
  }
  if (format === 'bmp') {
    try {
      return decodeBmp(buf);
    } catch (e) {
      if (e instanceof BmpError) throw new InputError(`${file}: cannot decode BMP: ${e.message}`);
      throw e;
    }
  }
  if (format === 'dicom') {
    try {
      return decodeDicom(buf);
    } catch (e) {
      if (e instanceof DicomError) throw new InputError(`${file}: cannot decode DICOM: ${e.message}`);
      throw new InputError(`${file}: cannot decode DICOM: ${describeErr(e)} (truncated or corrupt file)`);
    }
  }
  try {
    const meta = await sharp(buf, { failOn: 'warning' }).metadata();
    const channelsIn = (meta.channels ?? 3) - (meta.hasAlpha ? 1 : 0);
    const grey = channelsIn === 1;
    const sixteen = meta.depth === 'ushort' || meta.depth === 'short';
    if (meta.depth && !['uchar', 'char', 'ushort', 'short'].includes(meta.depth)) {
      throw new InputError(`${file}: ${meta.depth} samples are not supported (8- or 16-bit integer images only); convert the image to 16-bit PNG`);
    }
    let p = sharp(buf, { failOn: 'warning' });
    if (meta.hasAlpha) p = p.removeAlpha();
    p = p.toColourspace(grey ? (sixteen ? 'grey16' : 'b-w') : sixteen ? 'rgb16' : 'srgb');
    const { data, info } = await p.raw(sixteen ? { depth: 'ushort' } : {}).toBuffer({ resolveWithObject: true });
    const channels = info.channels === 1 ? 1 : 3;
    if (info.channels !== channels) throw new InputError(`${file}: decoded to ${info.channels} channels, expected 1 or 3`);
    const pixels = sixteen
      ? new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length))
      : new Uint8Array(data.buffer, data.byteOffset, data.length);
    return { width: info.width, height: info.height, channels, bitDepth: sixteen ? 16 : 8, data: pixels, maxValue: sixteen ? 65535 : 255, format };
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${file}: cannot decode ${format.toUpperCase()}: ${describeErr(e)} (truncated or corrupt file); re-export it, or pass --skip-bad`);
  }
}

export async function decodeImageFile(file: string): Promise<DecodedImage> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${file}: file not found`);
    throw new InputError(`${file}: cannot read (${code ?? describeErr(e)})`);
  }
  return decodeBytes(buf, file);
}

/** Grey → RGB by copying, RGB → grey by ITU-R 601 luminance (as PIL's convert('L')). */
export function convertChannels(img: DecodedImage, channels: 1 | 3): DecodedImage {
  if (img.channels === channels) return img;
  const n = img.width * img.height;
  const Ctor = img.data.constructor as new (n: number) => Uint8Array | Uint16Array | Float32Array;
  const out = new Ctor(n * channels);
  if (channels === 3) {
    for (let i = 0; i < n; i++) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = img.data[i];
  } else {
    const round = !(img.data instanceof Float32Array);
    for (let i = 0; i < n; i++) {
      const v = 0.299 * img.data[i * 3] + 0.587 * img.data[i * 3 + 1] + 0.114 * img.data[i * 3 + 2];
      out[i] = round ? Math.round(v) : v;
    }
  }
  return { ...img, channels, data: out };
}
