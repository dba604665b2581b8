/**
 * CRC-32 (the zip/IEEE polynomial) that can be updated chunk by chunk, to check zip entries against their directory.
 * Node's zlib.crc32 where it exists (Node ≥ 20.15), else a table-driven version (same result, slower).
 */
import * as zlib from 'node:zlib';

let table: Uint32Array | undefined;

function crc32Table(data: Uint8Array, value: number): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of `data`, continuing from `value` (the CRC of what came before; 0 to start). */
export function crc32(data: Uint8Array, value = 0): number {
  return native ? native(data, value) >>> 0 : crc32Table(data, value);
}

/** The table-driven version, exported so a test can check it against zlib's. */
export const crc32Portable = crc32Table;
