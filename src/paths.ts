/**
 * Where medft finds datasets and weights and keeps its caches, and the one place those variables are read. Only the
 * edge calls pathsFromEnv (src/settings.ts's settingsFromEnv, the CLI's actions, which hand the value to the queue
 * worker and to the cell processes in their init message); everything below takes a Paths value as a parameter.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface Paths {
  /** MEDFT_DATA_DIR: a folder searched for datasets by name (null when unset). */
  dataDir: string | null;
  /** MEDFT_WEIGHTS_DIR: an extra folder searched for weights by file/folder name (null when unset). */
  weightsDir: string | null;
  /** Downloads and caches: MEDFT_CACHE_DIR, else $XDG_CACHE_HOME/medft, else ~/.cache/medft. */
  cacheDir: string;
}

export function pathsFromEnv(env: Record<string, string | undefined> = process.env): Paths {
  const cacheDir = env.MEDFT_CACHE_DIR ? resolve(env.MEDFT_CACHE_DIR)
    : env.XDG_CACHE_HOME ? join(resolve(env.XDG_CACHE_HOME), 'medft')
      : join(homedir(), '.cache', 'medft');
  return {
    dataDir: env.MEDFT_DATA_DIR ? resolve(env.MEDFT_DATA_DIR) : null,
    weightsDir: env.MEDFT_WEIGHTS_DIR ? resolve(env.MEDFT_WEIGHTS_DIR) : null,
    cacheDir,
  };
}
