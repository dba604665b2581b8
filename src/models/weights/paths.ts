/** The folders searched for weights, from the Paths the caller hands in (src/paths.ts reads them at the edge). */
import path from 'node:path';
import type { Paths } from '../../paths.ts';

/** Where downloaded and extracted weights live: <cache>/weights. */
export function weightsCacheDir(paths: Paths): string {
  return path.join(paths.cacheDir, 'weights');
}

/** The folders searched for a named weights file, in order: MEDFT_WEIGHTS_DIR, then the cache. */
export function searchDirs(paths: Paths): string[] {
  const dirs = [paths.weightsDir, weightsCacheDir(paths), path.join(weightsCacheDir(paths), 'keras')];
  return dirs.filter((d): d is string => d != null);
}
