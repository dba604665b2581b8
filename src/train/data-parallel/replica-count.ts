/** How many engines a run splits its batches over: `--replicas` / MEDFT_REPLICAS resolved against the engine. */
import os from 'node:os';
import type { EngineInfo } from '../../engine/index.ts';
import { UsageError } from '../../errors.ts';

/**
 * `--replicas`: a count, or `auto` — every core for the pure-wasm engine (which runs one thread), 1 for the oneDNN
 * accelerator (which already uses every core; more only when asked, for memory), tfjs-node and the cpu backend.
 */
export function resolveReplicas(value: string, engine: EngineInfo, cores = os.availableParallelism(), source = '--replicas'): number {
  const pureWasm = engine.backend === 'wasm' && engine.accelerator === 'none';
  if (value === 'auto') return pureWasm ? Math.max(1, cores) : 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${source} must be 'auto' or a whole number ≥ 1 (got '${value}')`);
  if (n > 1 && engine.backend !== 'wasm') throw notWasm(engine);
  return n;
}

export const notWasm = (engine: EngineInfo) => new UsageError(`data-parallel replicas are for the wasm engine (here: backend ${engine.backend}, which already uses every core and has no 4 GiB heap limit); use --replicas 1`);
