import path from 'node:path';
import { pathsFromEnv } from '../../paths.ts';

/** MEDFT_CACHE_DIR, else $XDG_CACHE_HOME/medft, else ~/.cache/medft. */
export function cacheDir(): string {
  return pathsFromEnv().cacheDir;
}

/** Where downloaded and extracted weights live: <cache>/weights. */
export function weightsCacheDir(): string {
  return path.join(cacheDir(), 'weights');
}

/** MEDFT_WEIGHTS_DIR: an extra folder searched for weights by file/folder name (undefined when unset). */
export function userWeightsDir(): string | undefined {
  return pathsFromEnv().weightsDir ?? undefined;
}

/** The folders searched for a named weights file, in order: MEDFT_WEIGHTS_DIR, then the cache. */
export function searchDirs(): string[] {
  const dirs = [userWeightsDir(), weightsCacheDir(), path.join(weightsCacheDir(), 'keras')];
  return dirs.filter((d): d is string => d != null);
}
