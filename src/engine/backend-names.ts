/**
 * The backend names alone, apart from backend.ts (which loads TF.js), so that the CLI can list them in its options and
 * help without loading an engine.
 */
import { UsageError } from '../errors.ts';

export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export function parseBackendName(value: string, source: string): BackendName {
  if ((BACKENDS as readonly string[]).includes(value)) return value as BackendName;
  throw new UsageError(`unknown backend '${value}' (from ${source}): choose one of ${BACKENDS.join(', ')}`);
}
