/**
 * On-disk cache of images already resized to the model's input size, keyed by the SHA-256 of the file's bytes, the
 * size, the intensity mode and the channel policy — so a renamed file still hits and an edited file never does.
 * Entries hold 16-bit samples (0..255 stored as 0..65535), so 16-bit sources keep their precision; a cache hit reads
 * the small file and the source bytes (for the hash), never decodes. Entries are installed atomically and once
 * (../cache-install.ts), so processes sharing the cache never see a partial entry.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { installOnce } from '../cache-install.ts';
import type { Paths } from '../paths.ts';
import { resizeToSquare, type IntensityMode } from './preprocess.ts';
import type { Dataset } from './types.ts';

const MAGIC = 0x4d464331; // 'MFC1'

export interface CacheStats { hits: number; misses: number }

export const resizedCacheDir = (paths: Paths): string => join(paths.cacheDir, 'resized');

export class ResizedCache {
  readonly dir: string;
  readonly stats: CacheStats = { hits: 0, misses: 0 };

  /** `dir`: medft keeps it in <Paths.cacheDir>/resized (resizedCacheDir). */
  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  key(content: Uint8Array, size: number, intensity: IntensityMode, channels: number | undefined): string {
    const h = createHash('sha256').update(content).digest('hex');
    return `${h}-${size}-${intensity}-${channels ?? 'n'}`;
  }

  /** Sample i of ds resized to size × size (0..255 floats) and its channel count; null when the sample has no file. */
  async get(ds: Dataset, i: number, size: number, intensity: IntensityMode): Promise<{ data: Float32Array; channels: 1 | 3 } | null> {
    const file = ds.filePath(i);
    if (!file) return null;
    let content: Buffer;
    try {
      content = await readFile(file);
    } catch {
      return null; // let ds.load report the problem
    }
    const key = this.key(content, size, intensity, ds.channels);
    const entry = join(this.dir, key.slice(0, 2), `${key}.bin`);
    try {
      const buf = await readFile(entry);
      if (buf.readUInt32LE(0) === MAGIC && buf.readUInt32LE(4) === size) {
        const channels = buf[8] as 1 | 3;
        const n = size * size * channels;
        if (buf.length === 12 + n * 2) {
          const data = new Float32Array(n);
          for (let k = 0; k < n; k++) data[k] = buf.readUInt16LE(12 + k * 2) * (255 / 65535);
          this.stats.hits++;
          return { data, channels };
        }
      }
    } catch {
      // miss
    }
    this.stats.misses++;
    const img = await ds.load(i);
    const data = resizeToSquare(img, size, intensity);
    const out = Buffer.alloc(12 + data.length * 2);
    out.writeUInt32LE(MAGIC, 0);
    out.writeUInt32LE(size, 4);
    out[8] = img.channels;
    for (let k = 0; k < data.length; k++) out.writeUInt16LE(Math.round(Math.min(255, Math.max(0, data[k])) * (65535 / 255)), 12 + k * 2);
    // An entry of the wrong length (cut short by a full disk, say) is replaced; a whole one another process wrote stays.
    await installOnce(entry, async (tmp) => writeFileSync(tmp, out), { complete: (p) => existsSync(p) && statSync(p).size === out.length });
    return { data, channels: img.channels };
  }
}
