/**
 * Optional download of keras.applications .h5 weights from their official storage, checked against the hash that
 * Keras' own source pins for the file (`file_hash`: md5 for these files, 32 hex digits; sha256 when 64), cached.
 * Offline, the error says which file to place where.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import path from 'node:path';
import { installOnce } from '../../cache-install.ts';
import { InputError, ResourceError } from '../../errors.ts';
import type { Paths } from '../../paths.ts';
import { weightsCacheDir } from './paths.ts';

export const KERAS_BASE = 'https://storage.googleapis.com/tensorflow/keras-applications/';

export interface KerasFile {
  /** File name, e.g. `densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5`. */
  name: string;
  url: string;
  /** Keras' `file_hash` for it. */
  hash: string;
}

export function kerasCacheDir(paths: Paths): string {
  return path.join(weightsCacheDir(paths), 'keras');
}

export async function fileHash(file: string, algorithm: 'md5' | 'sha256'): Promise<string> {
  const h = createHash(algorithm);
  await new Promise<void>((resolve, reject) => {
    createReadStream(file).on('data', (c) => h.update(c)).on('end', resolve).on('error', reject);
  });
  return h.digest('hex');
}

export function hashAlgorithm(hash: string): 'md5' | 'sha256' {
  return hash.length === 64 ? 'sha256' : 'md5';
}

export async function verifyFileHash(file: string, expected: string): Promise<void> {
  const alg = hashAlgorithm(expected);
  const got = await fileHash(file, alg);
  if (got !== expected.toLowerCase()) {
    throw new InputError(`${file}: ${alg} is ${got} but Keras pins ${expected}; the file is corrupt or a different release, delete it and retry`);
  }
}

function placeHint(f: KerasFile, paths: Paths): string {
  const dirs = [paths.weightsDir, kerasCacheDir(paths)].filter(Boolean).join(' or ');
  return `download ${f.url} on a machine with internet and place it as ${dirs}/${f.name}` +
    (paths.weightsDir ? '' : ' (or in the folder named by MEDFT_WEIGHTS_DIR)');
}

/**
 * Downloads (once) into <cache>/weights/keras/ and returns the verified path. Safe when several processes download
 * the same file at once: each writes a temporary file of its own, and only a verified file takes the final name.
 */
export async function downloadKerasFile(f: KerasFile, paths: Paths, fetchImpl: typeof fetch = fetch): Promise<string> {
  const dest = path.join(kerasCacheDir(paths), f.name);
  if (existsSync(dest)) {
    await verifyFileHash(dest, f.hash);
    return dest;
  }
  return installOnce(dest, async (tmp) => {
    let res: Response;
    try {
      res = await fetchImpl(f.url, { signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      throw new ResourceError(`cannot download ${f.name} (${(e as Error).message}); ${placeHint(f, paths)}`);
    }
    if (!res.ok || !res.body) throw new ResourceError(`cannot download ${f.name}: HTTP ${res.status}; ${placeHint(f, paths)}`);
    try {
      await pipeline(Readable.fromWeb(res.body as WebReadableStream), createWriteStream(tmp));
    } catch (e) {
      throw new ResourceError(`download of ${f.name} broke off (${(e as Error).message}); ${placeHint(f, paths)}`);
    }
    await verifyFileHash(tmp, f.hash);
  });
}
