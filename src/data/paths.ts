/**
 * The datasets shipped with medft (`<repo>/data`, e.g. BreastMNIST for the default experiment): looked up last, after
 * MEDFT_DATA_DIR and the cache (both from the caller's Paths). Resolved from this file, not the working directory, so
 * it works from anywhere.
 */
import { fileURLToPath } from 'node:url';

export function shippedDataDir(): string {
  return fileURLToPath(new URL('../../data/', import.meta.url));
}
