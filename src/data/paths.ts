/** Where datasets are looked up by name and where downloads and caches go (DESIGN.md: MEDFT_DATA_DIR, MEDFT_CACHE_DIR). */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** MEDFT_CACHE_DIR, else $XDG_CACHE_HOME/medft, else ~/.cache/medft. */
export function cacheDir(): string {
  if (process.env.MEDFT_CACHE_DIR) return resolve(process.env.MEDFT_CACHE_DIR);
  if (process.env.XDG_CACHE_HOME) return join(resolve(process.env.XDG_CACHE_HOME), 'medft');
  return join(homedir(), '.cache', 'medft');
}

/** MEDFT_DATA_DIR when set (folder searched for datasets by name). */
export function dataDir(): string | null {
  return process.env.MEDFT_DATA_DIR ? resolve(process.env.MEDFT_DATA_DIR) : null;
}

/**
 * The datasets shipped with medft (`<repo>/data`, e.g. BreastMNIST for the default experiment): looked up last, after
 * MEDFT_DATA_DIR and the cache. Resolved from this file, not the working directory, so it works from anywhere.
 */
export function shippedDataDir(): string {
  return fileURLToPath(new URL('../../data/', import.meta.url));
}
