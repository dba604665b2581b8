/** Where datasets are looked up by name and where downloads and caches go (DESIGN.md: MEDFT_DATA_DIR, MEDFT_CACHE_DIR). */
import { fileURLToPath } from 'node:url';
import { pathsFromEnv } from '../paths.ts';

/** MEDFT_CACHE_DIR, else $XDG_CACHE_HOME/medft, else ~/.cache/medft. */
export function cacheDir(): string {
  return pathsFromEnv().cacheDir;
}

/** MEDFT_DATA_DIR when set (folder searched for datasets by name). */
export function dataDir(): string | null {
  return pathsFromEnv().dataDir;
}

/**
 * The datasets shipped with medft (`<repo>/data`, e.g. BreastMNIST for the default experiment): looked up last, after
 * MEDFT_DATA_DIR and the cache. Resolved from this file, not the working directory, so it works from anywhere.
 */
export function shippedDataDir(): string {
  return fileURLToPath(new URL('../../data/', import.meta.url));
}
