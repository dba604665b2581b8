/**
 * Reader for NumPy .npz archives (zip of .npy arrays), as MedMNIST ships them. Only the zip central directory and the
 * small arrays are read at open; the image arrays are read by element range on demand, so a 224×224 MedMNIST+ file of
 * several GB never sits in memory: stored (uncompressed) entries are read in place, deflated entries are inflated in
 * memory when small and otherwise streamed once into an uncompressed file in the cache directory. Each entry's size and
 * CRC-32 are checked against the zip directory when the array is opened.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Inflate, inflateSync } from 'fflate';
import { installOnce } from '../cache-install.ts';
import { InputError } from '../errors.ts';
import { crc32 } from './crc32.ts';

export type NumArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

export interface NpyArray {
  /** numpy dtype string without byte order, e.g. 'u1', 'i8', 'f4'. */
  dtype: string;
  shape: number[];
  /** Elements per leading-axis row (product of shape[1..]). */
  rowSize: number;
  /** Reads `count` rows starting at row `start`. */
  readRows(start: number, count: number): Promise<NumArray>;
}

interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compSize: number;
  size: number;
  localOffset: number;
}

const DTYPES: Record<string, { bytes: number; make: (buf: ArrayBuffer) => NumArray }> = {
  u1: { bytes: 1, make: (b) => new Uint8Array(b) },
  b1: { bytes: 1, make: (b) => new Uint8Array(b) },
  i1: { bytes: 1, make: (b) => new Int8Array(b) },
  u2: { bytes: 2, make: (b) => new Uint16Array(b) },
  i2: { bytes: 2, make: (b) => new Int16Array(b) },
  u4: { bytes: 4, make: (b) => new Uint32Array(b) },
  i4: { bytes: 4, make: (b) => new Int32Array(b) },
  u8: { bytes: 8, make: (b) => new BigUint64Array(b) },
  i8: { bytes: 8, make: (b) => new BigInt64Array(b) },
  f4: { bytes: 4, make: (b) => new Float32Array(b) },
  f8: { bytes: 8, make: (b) => new Float64Array(b) },
};

/** Entries larger than this are inflated to a cache file instead of memory. */
const IN_MEMORY_LIMIT = 256 * 1024 * 1024;

function readCentralDirectory(file: string, tail: Buffer, tailStart: number): { cdOffset: number; cdSize: number; count: number } {
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== 0x06054b50) continue;
    let count = tail.readUInt16LE(i + 10);
    let cdSize = tail.readUInt32LE(i + 12);
    let cdOffset = tail.readUInt32LE(i + 16);
    // zip64: the locator sits just before the end record.
    if ((cdOffset === 0xffffffff || count === 0xffff) && i >= 20 && tail.readUInt32LE(i - 20) === 0x07064b50) {
      const recOffset = Number(tail.readBigUInt64LE(i - 20 + 8));
      const rel = recOffset - tailStart;
      if (rel < 0 || tail.readUInt32LE(rel) !== 0x06064b50) throw new InputError(`${file}: zip64 directory not found; the .npz is damaged, download it again`);
      count = Number(tail.readBigUInt64LE(rel + 32));
      cdSize = Number(tail.readBigUInt64LE(rel + 40));
      cdOffset = Number(tail.readBigUInt64LE(rel + 48));
    }
    return { cdOffset, cdSize, count };
  }
  throw new InputError(`${file}: not a zip archive (no end-of-central-directory record); an .npz must be written by numpy.savez, or the file is truncated`);
}

async function readZipEntries(file: string, fh: FileHandle, fileSize: number): Promise<ZipEntry[]> {
  const tailLen = Math.min(fileSize, 65557 + 20 + 56);
  const tailStart = fileSize - tailLen;
  const tail = Buffer.alloc(tailLen);
  await fh.read(tail, 0, tailLen, tailStart);
  const { cdOffset, cdSize, count } = readCentralDirectory(file, tail, tailStart);
  if (cdOffset + cdSize > fileSize) throw new InputError(`${file}: truncated .npz (directory points past the end of the file); download it again`);
  const cd = Buffer.alloc(cdSize);
  await fh.read(cd, 0, cdSize, cdOffset);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let k = 0; k < count; k++) {
    if (cd.readUInt32LE(p) !== 0x02014b50) throw new InputError(`${file}: damaged zip directory; download the file again`);
    const method = cd.readUInt16LE(p + 10);
    const crc = cd.readUInt32LE(p + 16);
    let compSize = cd.readUInt32LE(p + 20);
    let size = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let localOffset = cd.readUInt32LE(p + 42);
    const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = cd.readUInt16LE(e);
      const len = cd.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) { size = Number(cd.readBigUInt64LE(q)); q += 8; }
        if (compSize === 0xffffffff) { compSize = Number(cd.readBigUInt64LE(q)); q += 8; }
        if (localOffset === 0xffffffff) { localOffset = Number(cd.readBigUInt64LE(q)); q += 8; }
      }
      e += 4 + len;
    }
    entries.push({ name, method, crc, compSize, size, localOffset });
    p = extraEnd + commentLen;
  }
  return entries;
}

/** Parses the .npy header at the start of `head`; returns dtype, shape and the header's byte length. */
export function parseNpyHeader(head: Uint8Array, what: string): { dtype: string; shape: number[]; headerLen: number } {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (head.length < 10 || magic.some((b, i) => head[i] !== b)) throw new InputError(`${what}: not a .npy array (bad magic bytes)`);
  const major = head[6];
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (head.length < start + hlen) throw new InputError(`${what}: truncated .npy header`);
  const text = new TextDecoder().decode(head.subarray(start, start + hlen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new InputError(`${what}: unreadable .npy header '${text.trim()}'`);
  if (fortran === 'True') throw new InputError(`${what}: Fortran-ordered array; re-save it with numpy.ascontiguousarray`);
  const order = descr[0];
  const dtype = descr.slice(1);
  if (order === '>' && dtype !== 'u1' && dtype !== 'i1') throw new InputError(`${what}: big-endian dtype '${descr}'; re-save it as little-endian (arr.astype('<${dtype}'))`);
  if (!DTYPES[dtype]) throw new InputError(`${what}: unsupported dtype '${descr}' (supported: uint8/16/32/64, int8/16/32/64, float32/64, bool)`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  return { dtype, shape, headerLen: start + hlen };
}

function makeArray(dtype: string, bytes: Uint8Array): NumArray {
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return DTYPES[dtype].make(copy);
}

export class NpzFile {
  private constructor(
    readonly path: string,
    private fh: FileHandle,
    private readonly entries: Map<string, ZipEntry>,
    private readonly fileSize: number,
    private readonly mtimeMs: number,
    private readonly cacheDir: string,
    private readonly inMemoryLimit: number,
  ) {}

  /**
   * `cacheDir`: medft's cache folder (Paths.cacheDir); deflated arrays above `inMemoryLimit` bytes (default 256 MiB)
   * are inflated into its npz/ folder.
   */
  static async open(path: string, cacheDir: string, inMemoryLimit = IN_MEMORY_LIMIT): Promise<NpzFile> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      throw new InputError(`${path}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    try {
      const st = await stat(path);
      const entries = await readZipEntries(path, fh, st.size);
      return new NpzFile(path, fh, new Map(entries.map((e) => [e.name.replace(/\.npy$/, ''), e])), st.size, st.mtimeMs, cacheDir, inMemoryLimit);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  private async dataStart(e: ZipEntry): Promise<number> {
    const lh = Buffer.alloc(30);
    await this.fh.read(lh, 0, 30, e.localOffset);
    if (lh.readUInt32LE(0) !== 0x04034b50) throw new InputError(`${this.path}: damaged zip entry '${e.name}'; download the file again`);
    const start = e.localOffset + 30 + lh.readUInt16LE(26) + lh.readUInt16LE(28);
    if (start + e.compSize > this.fileSize) throw new InputError(`${this.path}: entry '${e.name}' is cut off (file truncated); download the file again`);
    return start;
  }

  /** Opens one array. Small deflated arrays are inflated into memory; large ones into a cache file. */
  async array(key: string): Promise<NpyArray> {
    const e = this.entries.get(key);
    if (!e) throw new InputError(`${this.path}: no array '${key}' (has: ${this.keys().join(', ')})`);
    const what = `${this.path} [${key}]`;
    const start = await this.dataStart(e);
    if (e.method !== 0 && e.method !== 8) throw new InputError(`${what}: unsupported zip compression method ${e.method} (numpy writes 0 or 8)`);
    // Every entry's bytes are checked against the size and CRC-32 its directory records, as numpy does: a damaged
    // file would otherwise train on garbage without a word.
    if (e.method === 8 && e.size <= this.inMemoryLimit) {
      const comp = Buffer.alloc(e.compSize);
      await this.fh.read(comp, 0, e.compSize, start);
      let raw: Uint8Array;
      try {
        raw = inflateSync(comp, { out: new Uint8Array(e.size) });
      } catch {
        throw damaged(this.path, e, 'holds corrupt compressed data');
      }
      checkEntry(this.path, e, raw.length, crc32(raw));
      return memoryArray(raw, what);
    }
    if (e.method === 0) {
      if (e.compSize !== e.size) throw damaged(this.path, e, `is stored uncompressed but its sizes differ (${e.compSize} and ${e.size} bytes)`);
      checkEntry(this.path, e, e.size, await crcOfRange(this.fh, start, e.size));
      return fileArray(this.fh, start, e.size, what);
    }
    // Large deflated entry: inflate once into the cache, keyed by the entry's CRC and size; only a copy that passes the
    // check is installed there.
    const dir = join(this.cacheDir, 'npz');
    const target = join(dir, `${basename(this.path, '.npz')}-${key}-${e.crc.toString(16)}-${e.size}.npy`);
    await installOnce(target, async (tmp) => {
      const got = await inflateToFile(this.path, start, e.compSize, tmp, what);
      checkEntry(this.path, e, got.size, got.crc);
    });
    const fh = await open(target, 'r');
    const st = await stat(target);
    if (st.size !== e.size) {
      await fh.close();
      throw new InputError(`${what}: inflated size ${st.size} differs from the directory's ${e.size}; the file is corrupt`);
    }
    this.extraHandles.push(fh);
    return fileArray(fh, 0, e.size, what);
  }

  private extraHandles: FileHandle[] = [];

  /** A key for caches derived from this file. */
  identity(): string {
    return `${this.fileSize}-${Math.round(this.mtimeMs)}`;
  }

  async close(): Promise<void> {
    await Promise.all([this.fh.close(), ...this.extraHandles.map((h) => h.close())]);
    this.extraHandles = [];
  }
}

function checkSize(dtype: string, shape: number[], available: number, what: string): number {
  const rowSize = shape.slice(1).reduce((a, b) => a * b, 1);
  const need = shape.reduce((a, b) => a * b, 1) * DTYPES[dtype].bytes;
  if (need > available) throw new InputError(`${what}: array data is shorter than its shape (${shape.join('×')}) says; the file is truncated`);
  return rowSize;
}

function memoryArray(raw: Uint8Array, what: string): NpyArray {
  const { dtype, shape, headerLen } = parseNpyHeader(raw, what);
  const rowSize = checkSize(dtype, shape, raw.length - headerLen, what);
  const bpe = DTYPES[dtype].bytes;
  return {
    dtype,
    shape,
    rowSize,
    readRows: async (s, n) => makeArray(dtype, raw.subarray(headerLen + s * rowSize * bpe, headerLen + (s + n) * rowSize * bpe)),
  };
}

async function fileArray(fh: FileHandle, offset: number, size: number, what: string): Promise<NpyArray> {
  const head = Buffer.alloc(Math.min(size, 4096));
  await fh.read(head, 0, head.length, offset);
  const { dtype, shape, headerLen } = parseNpyHeader(head, what);
  const rowSize = checkSize(dtype, shape, size - headerLen, what);
  const bpe = DTYPES[dtype].bytes;
  return {
    dtype,
    shape,
    rowSize,
    readRows: async (s, n) => {
      const buf = new Uint8Array(n * rowSize * bpe);
      await fh.read(buf, 0, buf.length, offset + headerLen + s * rowSize * bpe);
      return DTYPES[dtype].make(buf.buffer);
    },
  };
}

function damaged(file: string, e: ZipEntry, detail: string): InputError {
  return new InputError(`${file}: entry '${e.name}' ${detail}; the file is damaged; download it again`);
}

/** Throws when an entry's data does not have the size and CRC-32 the zip directory records for it. */
function checkEntry(file: string, e: ZipEntry, size: number, crc: number): void {
  if (size !== e.size) throw damaged(file, e, `holds ${size} bytes where the zip directory says ${e.size}`);
  const hex = (x: number) => x.toString(16).padStart(8, '0');
  if (crc !== e.crc) throw damaged(file, e, `fails its CRC-32 check (${hex(crc)}, the zip directory says ${hex(e.crc)})`);
}

/** CRC-32 of `size` bytes at `offset`, read in chunks so a large stored array never sits in memory whole. */
async function crcOfRange(fh: FileHandle, offset: number, size: number): Promise<number> {
  const buf = Buffer.alloc(Math.min(size, 4 << 20));
  let crc = 0;
  for (let done = 0; done < size;) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - done), offset + done);
    if (bytesRead === 0) break;
    crc = crc32(buf.subarray(0, bytesRead), crc);
    done += bytesRead;
  }
  return crc;
}

/** Inflates an entry into `target`; resolves with the inflated size and CRC-32 for the caller to check. */
function inflateToFile(src: string, start: number, compSize: number, target: string, what: string): Promise<{ size: number; crc: number }> {
  let size = 0;
  let crc = 0;
  return new Promise((resolve, reject) => {
    const out = createWriteStream(target);
    const input = createReadStream(src, { start, end: start + compSize - 1, highWaterMark: 1 << 20 });
    const inf = new Inflate((chunk, final) => {
      size += chunk.length;
      crc = crc32(chunk, crc);
      if (!out.write(Buffer.from(chunk))) input.pause();
      if (final) out.end();
    });
    out.on('drain', () => input.resume());
    input.on('data', (c) => {
      try {
        inf.push(c as Buffer, false);
      } catch {
        input.destroy();
        reject(new InputError(`${what}: compressed data is corrupt; the file is damaged; download it again`));
      }
    });
    input.on('end', () => {
      try {
        inf.push(new Uint8Array(0), true);
      } catch {
        reject(new InputError(`${what}: compressed data is corrupt; the file is damaged; download it again`));
      }
    });
    input.on('error', reject);
    out.on('error', reject);
    out.on('finish', () => resolve({ size, crc }));
  });
}
