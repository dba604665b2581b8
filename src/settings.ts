/**
 * The edge where medft reads its environment variables, once, into plain settings that are passed down as
 * parameters: the CLI's actions, a cell process's parent and the queue worker call settingsFromEnv(); nothing below
 * reads or writes process.env. The variables are documented in README.md and docs/.
 */
import { parseBackendName } from './engine/backend-names.ts';
import { DEFAULT_ENGINE_SETTINGS, STEP_ENGINES, type EngineSettings, type StepEngineChoice } from './engine/settings.ts';
import { UsageError } from './errors.ts';
import { pathsFromEnv, type Paths } from './paths.ts';

export { pathsFromEnv };

export interface Settings {
  engine: EngineSettings;
  paths: Paths;
  /** MEDFT_DEBUG: print stack traces with errors. */
  debug: boolean;
  /** MEDFT_TORCH_PYTHON: the Python that runs `medft bench`'s PyTorch reference, when set. */
  torchPython?: string;
}

type Env = Record<string, string | undefined>;

export function settingsFromEnv(env: Env = process.env): Settings {
  return { engine: engineFromEnv(env), paths: pathsFromEnv(env), debug: debugFromEnv(env), ...(env.MEDFT_TORCH_PYTHON ? { torchPython: env.MEDFT_TORCH_PYTHON } : {}) };
}

/** MEDFT_DEBUG, alone: the CLI's error handler asks, where a bad value of another variable must not hide the error. */
export function debugFromEnv(env: Env = process.env): boolean {
  return !!env.MEDFT_DEBUG;
}

/** The engine section: MEDFT_BACKEND, MEDFT_ACCELERATOR(_THREADS, _WINOGRAD), MEDFT_ENGINE, MEDFT_REPLICAS, MEDFT_CORE_SHARE. */
export function engineFromEnv(env: Env = process.env): EngineSettings {
  return { ...DEFAULT_ENGINE_SETTINGS, ...engineChoicesFromEnv(env) };
}

/**
 * Only what the environment sets of the engine section, checked: `medft export` lets these win over a cell's
 * recorded engine and takes the rest from the record.
 */
export function engineChoicesFromEnv(env: Env = process.env): Partial<EngineSettings> {
  const out: Partial<EngineSettings> = {};
  if (env.MEDFT_BACKEND) out.backend = parseBackendName(env.MEDFT_BACKEND, 'MEDFT_BACKEND');
  const accelerator = env.MEDFT_ACCELERATOR;
  if (accelerator !== undefined) {
    if (accelerator !== 'auto' && accelerator !== 'onednn' && accelerator !== 'none') {
      throw new UsageError(`unknown accelerator '${accelerator}' (from MEDFT_ACCELERATOR): choose one of auto, onednn, none`);
    }
    out.accelerator = accelerator;
  }
  const threads = env.MEDFT_ACCELERATOR_THREADS;
  if (threads) {
    const n = Number(threads);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`MEDFT_ACCELERATOR_THREADS must be a positive integer, got '${threads}'`);
    out.acceleratorThreads = n;
  }
  const winograd = env.MEDFT_ACCELERATOR_WINOGRAD;
  if (winograd !== undefined) {
    if (winograd !== 'on' && winograd !== 'off') throw new UsageError(`MEDFT_ACCELERATOR_WINOGRAD must be 'on' or 'off', got '${winograd}'`);
    out.winograd = winograd === 'on';
  }
  if (env.MEDFT_ENGINE !== undefined) out.step = parseStepEngine(env.MEDFT_ENGINE, 'MEDFT_ENGINE');
  if (env.MEDFT_REPLICAS !== undefined) out.replicas = env.MEDFT_REPLICAS;
  if (env.MEDFT_CORE_SHARE !== undefined) out.coreShare = Number(env.MEDFT_CORE_SHARE);
  if (env.MEDFT_SKIP_MEMORY_CHECK) out.skipMemoryCheck = true;
  return out;
}

function parseStepEngine(value: string, source: string): StepEngineChoice {
  if (!(STEP_ENGINES as readonly string[]).includes(value)) throw new UsageError(`unknown engine '${value}' (from ${source}): choose one of ${STEP_ENGINES.join(', ')}`);
  return value as StepEngineChoice;
}

/** The engine settings with the command line's --engine, which wins over MEDFT_ENGINE. */
export function withEngineFlag(engine: EngineSettings, flag: string | undefined): EngineSettings {
  return flag ? { ...engine, step: parseStepEngine(flag, '--engine') } : engine;
}

/** The engine settings with the command line's --backend, which wins over MEDFT_BACKEND. */
export function withBackendFlag(engine: EngineSettings, flag: string | undefined): EngineSettings {
  return flag ? { ...engine, backend: parseBackendName(flag, '--backend') } : engine;
}
