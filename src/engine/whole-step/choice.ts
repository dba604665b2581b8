/**
 * Where a run's train steps go: the `step` engine setting (auto, native, tfjs) resolved against what this process has.
 * Light: it never loads TF.js or the addon (a spec may be resolved before the engine starts); when the addon has not
 * been loaded yet, its built file stands for it, and a native run whose addon then fails to load trains on TF.js
 * and records so.
 */
import { existsSync } from 'node:fs';
import { UsageError } from '../../errors.ts';
import { ADDON_PATH, loadedOneDnn } from '../native/onednn.ts';
import type { EngineSettings, StepEngineChoice } from '../settings.ts';

export type StepEngine = 'native' | 'tfjs';

/** Why the native engine cannot run here, or null when it can. */
export function nativeStepUnavailable(engine: Pick<EngineSettings, 'accelerator'>): string | null {
  if (engine.accelerator === 'none') return 'the accelerator is off (MEDFT_ACCELERATOR=none)';
  const loaded = loadedOneDnn();
  if (loaded) return loaded.addon ? null : loaded.reason;
  return existsSync(ADDON_PATH) ? null : 'the native addon is not built (apt-get install libdnnl-dev, then npm install)';
}

export function resolveStepEngine(choice: StepEngineChoice, engine: Pick<EngineSettings, 'accelerator'>, replicas: number, source = '--engine'): StepEngine {
  if (choice === 'tfjs') return 'tfjs';
  const unavailable = nativeStepUnavailable(engine);
  if (choice === 'auto') return unavailable || replicas > 1 ? 'tfjs' : 'native';
  if (unavailable) throw new UsageError(`${source} native: ${unavailable}; use ${source === '--engine' ? '--engine tfjs' : 'tfjs'}`);
  if (replicas > 1) throw new UsageError(`${source} native runs one engine on every core; data-parallel replicas are for the TF.js path (use --replicas 1, or --engine tfjs)`);
  return 'native';
}
