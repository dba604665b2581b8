/**
 * Named Float32Arrays in one file: a JSON index (name, length) then the raw little-endian floats, 4-byte aligned.
 * Used by checkpoints (weights, optimizer moments, w⁰, best weights) — exact bits, no framework format involved.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

const MAGIC = 'MEDFTARR1';

export function writeArrays(path: string, arrays: Map<string, Float32Array>): void {
  const index = [...arrays].map(([name, a]) => ({ name, length: a.length }));
  let header = Buffer.from(`${MAGIC}\n${JSON.stringify(index)}\n`);
  const pad = (4 - ((header.length + 4) % 4)) % 4;
  header = Buffer.concat([header, Buffer.alloc(pad, 0x20)]);
  const fd = openSync(path, 'w');
  try {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    writeSync(fd, len);
    writeSync(fd, header);
    for (const a of arrays.values()) writeSync(fd, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  } finally {
    closeSync(fd);
  }
}

export function readArrays(path: string): Map<string, Float32Array> {
  const buf = readFileSync(path);
  const headerLen = buf.readUInt32LE(0);
  const header = buf.subarray(4, 4 + headerLen).toString('utf8');
  if (!header.startsWith(`${MAGIC}\n`)) throw new Error(`${path}: not a medft arrays file`);
  const index = JSON.parse(header.slice(MAGIC.length + 1).trim()) as { name: string; length: number }[];
  const out = new Map<string, Float32Array>();
  let offset = 4 + headerLen;
  for (const { name, length } of index) {
    const bytes = buf.subarray(offset, offset + length * 4);
    if (bytes.length !== length * 4) throw new Error(`${path}: truncated at ${name}`);
    const copy = new Float32Array(length);
    new Uint8Array(copy.buffer).set(bytes);
    out.set(name, copy);
    offset += length * 4;
  }
  return out;
}
