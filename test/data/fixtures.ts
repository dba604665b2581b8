/**
 * Fixture writers for the data tests, independent of the code under test: .npy/.npz (via fflate's zipSync), PNG
 * (hand-built chunks with node:zlib), BMP, and a minimal DICOM Part-10 writer (explicit VR little endian).
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { zipSync } from 'fflate';
import type { Paths } from '../../src/paths.ts';

export function tempDir(prefix = 'medft-data-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Folders for code under test: no data or weights folder unless given, and a fresh empty cache. */
export function testPaths(o: Partial<Paths> = {}): Paths {
  return { dataDir: null, weightsDir: null, cacheDir: tempDir('medft-cache-'), ...o };
}

/** The shared real data: MEDFT_DATA_DIR, else ../shared/data relative to the repo root. */
export function sharedDataDir(): string {
  return process.env.MEDFT_DATA_DIR ? resolve(process.env.MEDFT_DATA_DIR) : resolve(import.meta.dirname, '../../../shared/data');
}

export type Dtype = '|u1' | '|i1' | '<u2' | '<i2' | '<i4' | '<i8' | '<f4';

export function npy(dtype: Dtype, shape: number[], values: ArrayLike<number>): Uint8Array {
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const bytes = { '|u1': 1, '|i1': 1, '<u2': 2, '<i2': 2, '<i4': 4, '<i8': 8, '<f4': 4 }[dtype];
  const out = new Uint8Array(10 + header.length + values.length * bytes);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const dv = new DataView(out.buffer, 10 + header.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (dtype === '|u1') dv.setUint8(i, v);
    else if (dtype === '|i1') dv.setInt8(i, v);
    else if (dtype === '<u2') dv.setUint16(i * 2, v, true);
    else if (dtype === '<i2') dv.setInt16(i * 2, v, true);
    else if (dtype === '<i4') dv.setInt32(i * 4, v, true);
    else if (dtype === '<i8') dv.setBigInt64(i * 8, BigInt(v), true);
    else dv.setFloat32(i * 4, v, true);
  }
  return out;
}

/** Writes an .npz; level 0 = stored like numpy.savez, 6 = deflated like numpy.savez_compressed. */
export function writeNpz(path: string, arrays: Record<string, Uint8Array>, level: 0 | 6 = 6): void {
  mkdirSync(dirname(path), { recursive: true });
  const files: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
  for (const [k, v] of Object.entries(arrays)) files[`${k}.npy`] = [v, { level }];
  writeFileSync(path, zipSync(files));
}

function chunk(type: string, data: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), Buffer.from(data)]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td) >>> 0);
  return Buffer.concat([len, td, crc]);
}

/** A PNG built by hand: grey (1 channel) or RGB (3), 8- or 16-bit (big-endian samples, as PNG stores them). */
export function png(width: number, height: number, channels: 1 | 3, bitDepth: 8 | 16, values: ArrayLike<number>): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = channels === 1 ? 0 : 2;
  const bps = bitDepth / 8;
  const rowLen = width * channels * bps;
  const raw = Buffer.alloc(height * (rowLen + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (rowLen + 1)] = 0;
    for (let k = 0; k < width * channels; k++) {
      const v = values[y * width * channels + k];
      const o = y * (rowLen + 1) + 1 + k * bps;
      if (bps === 1) raw[o] = v;
      else raw.writeUInt16BE(v, o);
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

/** An 8-bit grey-palette BMP (bottom-up) or a 24-bit BMP. */
export function bmp(width: number, height: number, channels: 1 | 3, values: ArrayLike<number>): Buffer {
  const bpp = channels === 1 ? 8 : 24;
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  const paletteSize = channels === 1 ? 256 * 4 : 0;
  const offset = 14 + 40 + paletteSize;
  const buf = Buffer.alloc(offset + stride * height);
  buf.write('BM', 0, 'ascii');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(offset, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(width, 18);
  buf.writeInt32LE(height, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(bpp, 28);
  buf.writeUInt32LE(stride * height, 34);
  if (channels === 1) for (let i = 0; i < 256; i++) buf.writeUInt32LE(i | (i << 8) | (i << 16), 54 + i * 4);
  for (let y = 0; y < height; y++) {
    const row = offset + (height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      if (channels === 1) buf[row + x] = values[y * width + x];
      else {
        const p = (y * width + x) * 3;
        buf[row + x * 3] = values[p + 2];
        buf[row + x * 3 + 1] = values[p + 1];
        buf[row + x * 3 + 2] = values[p];
      }
    }
  }
  return buf;
}

export interface DicomSpec {
  rows: number;
  columns: number;
  bitsAllocated: 8 | 16;
  bitsStored?: number;
  signed?: boolean;
  photometric: 'MONOCHROME1' | 'MONOCHROME2';
  slope?: number;
  intercept?: number;
  window?: { center: number; width: number };
  transferSyntax?: string;
  /** Raw stored values, row-major. */
  pixels: ArrayLike<number>;
}

function element(group: number, elem: number, vr: string, value: Buffer): Buffer {
  const long = ['OB', 'OW', 'OF', 'SQ', 'UT', 'UN'].includes(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(elem, 2);
  head.write(vr, 4, 'ascii');
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}
const str = (s: string, pad = ' ') => Buffer.from(s.length % 2 ? s + pad : s, 'ascii');
const us = (v: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };

/** A minimal valid DICOM Part-10 file: preamble, DICM, file meta group, image pixel module, pixel data. */
export function dicom(spec: DicomSpec): Buffer {
  const ts = spec.transferSyntax ?? '1.2.840.10008.1.2.1';
  const meta = Buffer.concat([
    element(0x0002, 0x0001, 'OB', Buffer.from([0, 1])),
    element(0x0002, 0x0002, 'UI', str('1.2.840.10008.5.1.4.1.1.7', '\0')),
    element(0x0002, 0x0003, 'UI', str('1.2.3.4.5.6.7', '\0')),
    element(0x0002, 0x0010, 'UI', str(ts, '\0')),
  ]);
  const groupLen = element(0x0002, 0x0000, 'UL', (() => { const b = Buffer.alloc(4); b.writeUInt32LE(meta.length); return b; })());
  const n = spec.rows * spec.columns;
  const bpe = spec.bitsAllocated / 8;
  const pix = Buffer.alloc(n * bpe + ((n * bpe) % 2));
  for (let i = 0; i < n; i++) {
    const v = spec.pixels[i];
    if (bpe === 1) pix[i] = v & 0xff;
    else pix.writeUInt16LE(v & 0xffff, i * 2);
  }
  const parts: Buffer[] = [
    element(0x0008, 0x0060, 'CS', str('OT')),
    element(0x0028, 0x0002, 'US', us(1)),
    element(0x0028, 0x0004, 'CS', str(spec.photometric)),
    element(0x0028, 0x0010, 'US', us(spec.rows)),
    element(0x0028, 0x0011, 'US', us(spec.columns)),
    element(0x0028, 0x0100, 'US', us(spec.bitsAllocated)),
    element(0x0028, 0x0101, 'US', us(spec.bitsStored ?? spec.bitsAllocated)),
    element(0x0028, 0x0102, 'US', us((spec.bitsStored ?? spec.bitsAllocated) - 1)),
    element(0x0028, 0x0103, 'US', us(spec.signed ? 1 : 0)),
  ];
  if (spec.window) {
    parts.push(element(0x0028, 0x1050, 'DS', str(String(spec.window.center))));
    parts.push(element(0x0028, 0x1051, 'DS', str(String(spec.window.width))));
  }
  if (spec.intercept !== undefined) parts.push(element(0x0028, 0x1052, 'DS', str(String(spec.intercept))));
  if (spec.slope !== undefined) parts.push(element(0x0028, 0x1053, 'DS', str(String(spec.slope))));
  parts.push(element(0x7fe0, 0x0010, spec.bitsAllocated === 8 ? 'OB' : 'OW', pix));
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'ascii'), groupLen, meta, ...parts]);
}

export function write(path: string, data: Uint8Array | string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  return path;
}
