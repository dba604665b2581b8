/**
 * Single-frame DICOM decoding with dicom-parser: 8/16/32-bit, signed or unsigned, BitsStored masking, modality
 * rescale (slope/intercept), VOI window centre/width when present (else the image's own min..max), MONOCHROME1
 * inversion, and 8-bit RGB. Output values lie in 0..255 as float32, ready for the same preprocessing as any image.
 */
import * as dicomParserNs from 'dicom-parser';

// dicom-parser is a UMD bundle: under Node's ESM loader its API sits on `default`.
const dicomParser = ((dicomParserNs as unknown as { default?: typeof dicomParserNs }).default ?? dicomParserNs) as typeof dicomParserNs;
import type { DecodedImage } from './types.ts';

export class DicomError extends Error {}

const UNCOMPRESSED: Record<string, 'le' | 'be'> = {
  '1.2.840.10008.1.2': 'le',
  '1.2.840.10008.1.2.1': 'le',
  '1.2.840.10008.1.2.2': 'be',
};

/** The DICOM VOI LUT linear function (PS3.3 C.11.2.1.2.1), mapped to 0..255. */
export function applyWindow(x: number, center: number, width: number): number {
  const w = Math.max(width, 1);
  const lo = center - 0.5 - (w - 1) / 2;
  const hi = center - 0.5 + (w - 1) / 2;
  if (x <= lo) return 0;
  if (x > hi) return 255;
  return ((x - (center - 0.5)) / (w - 1) + 0.5) * 255;
}

function num(ds: dicomParserNs.DataSet, tag: string): number | undefined {
  const v = ds.string(tag, 0);
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export interface DicomMeta {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  photometric: string;
  slope: number;
  intercept: number;
  window?: { center: number; width: number };
  transferSyntax: string;
}

export function decodeDicom(bytes: Uint8Array): DecodedImage & { dicom: DicomMeta } {
  let ds: dicomParserNs.DataSet;
  try {
    ds = dicomParser.parseDicom(bytes);
  } catch (e) {
    const msg = typeof e === 'string' ? e : (e as Error).message ?? String((e as { exception?: string }).exception ?? e);
    throw new DicomError(`not a readable DICOM file (${msg})`);
  }
  const ts = ds.string('x00020010') ?? '1.2.840.10008.1.2.1';
  const order = UNCOMPRESSED[ts];
  if (!order) throw new DicomError(`compressed transfer syntax ${ts} is not supported; decompress it first (e.g. 'gdcmconv --raw in.dcm out.dcm' or 'dcmdjpeg')`);
  const rows = ds.uint16('x00280010');
  const columns = ds.uint16('x00280011');
  const bitsAllocated = ds.uint16('x00280100');
  const pixel = ds.elements.x7fe00010;
  if (!rows || !columns || !bitsAllocated || !pixel) throw new DicomError('no image: Rows, Columns, BitsAllocated or PixelData missing');
  const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
  const signed = (ds.uint16('x00280103') ?? 0) === 1;
  const spp = ds.uint16('x00280002') ?? 1;
  const photometric = (ds.string('x00280004') ?? (spp === 3 ? 'RGB' : 'MONOCHROME2')).trim().toUpperCase();
  const frames = num(ds, 'x00280008') ?? 1;
  if (frames > 1) throw new DicomError(`multi-frame DICOM (${frames} frames) is not supported; export one frame per file`);
  const n = rows * columns * spp;
  const bpe = bitsAllocated / 8;
  if (![8, 16, 32].includes(bitsAllocated)) throw new DicomError(`BitsAllocated ${bitsAllocated} is not supported (8, 16, 32)`);
  if (pixel.dataOffset + n * bpe > bytes.length || pixel.length < n * bpe) {
    throw new DicomError(`pixel data is truncated (${Math.min(pixel.length, bytes.length - pixel.dataOffset)} bytes, need ${n * bpe})`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + pixel.dataOffset, n * bpe);
  const le = order === 'le';
  const raw = new Float64Array(n);
  const mask = bitsStored >= 32 ? 0xffffffff : 2 ** bitsStored - 1;
  for (let i = 0; i < n; i++) {
    let v = bpe === 1 ? dv.getUint8(i) : bpe === 2 ? dv.getUint16(i * 2, le) : dv.getUint32(i * 4, le);
    if (bitsStored < bitsAllocated) v = v & mask;
    if (signed && v >= 2 ** (bitsStored - 1)) v -= 2 ** bitsStored;
    raw[i] = v;
  }

  if (spp === 3) {
    if (photometric !== 'RGB') throw new DicomError(`colour photometric interpretation ${photometric} is not supported (RGB only)`);
    const planar = (ds.uint16('x00280006') ?? 0) === 1;
    const out = new Float32Array(n);
    const scale = 255 / (2 ** bitsStored - 1);
    const plane = rows * columns;
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) out[p * 3 + c] = raw[planar ? c * plane + p : p * 3 + c] * scale;
    }
    return { width: columns, height: rows, channels: 3, bitDepth: bitsStored, data: out, maxValue: 255, format: 'dicom',
      dicom: { rows, columns, bitsAllocated, bitsStored, signed, photometric, slope: 1, intercept: 0, transferSyntax: ts } };
  }
  if (spp !== 1) throw new DicomError(`SamplesPerPixel ${spp} is not supported (1 or 3)`);
  if (photometric !== 'MONOCHROME1' && photometric !== 'MONOCHROME2') {
    throw new DicomError(`photometric interpretation ${photometric} is not supported for greyscale (MONOCHROME1/2)`);
  }
  const slope = num(ds, 'x00281053') ?? 1;
  const intercept = num(ds, 'x00281052') ?? 0;
  const center = num(ds, 'x00281050');
  const width = num(ds, 'x00281051');
  const window = center !== undefined && width !== undefined && width > 0 ? { center, width } : undefined;
  const out = new Float32Array(n);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const y = raw[i] * slope + intercept;
    raw[i] = y;
    if (y < lo) lo = y;
    if (y > hi) hi = y;
  }
  for (let i = 0; i < n; i++) {
    let v = window ? applyWindow(raw[i], window.center, window.width) : hi > lo ? ((raw[i] - lo) / (hi - lo)) * 255 : 0;
    if (photometric === 'MONOCHROME1') v = 255 - v;
    out[i] = v;
  }
  return { width: columns, height: rows, channels: 1, bitDepth: bitsStored, data: out, maxValue: 255, format: 'dicom',
    dicom: { rows, columns, bitsAllocated, bitsStored, signed, photometric, slope, intercept, window, transferSyntax: ts } };
}
