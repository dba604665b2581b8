/**
 * How an engine is to be set up, as one plain, serialisable value: the edge of the program (src/settings.ts) reads it
 * from the environment once, and it travels to cell processes and replica threads in their start messages. Nothing
 * in the engine reads the environment itself.
 */
import type { BackendName } from './backend-names.ts';

export const STEP_ENGINES = ['auto', 'native', 'tfjs'] as const;
export type StepEngineChoice = (typeof STEP_ENGINES)[number];

export interface EngineSettings {
  /** The backend to use (MEDFT_BACKEND or --backend); undefined picks the fastest that loads. */
  backend?: BackendName;
  /** MEDFT_ACCELERATOR: `auto` uses the oneDNN addon when it loads, `onednn` requires it, `none` never uses it. */
  accelerator: 'auto' | 'onednn' | 'none';
  /** MEDFT_ACCELERATOR_THREADS: oneDNN's thread count; null for every core. */
  acceleratorThreads: number | null;
  /** MEDFT_ACCELERATOR_WINOGRAD: whether eligible 3×3 convolutions use oneDNN's Winograd algorithm. */
  winograd: boolean;
  /**
   * MEDFT_ENGINE or --engine: where a train step runs. `native`: the addon's whole-step engine (src/engine/whole-step/);
   * `tfjs`: TF.js's tape with the accelerator's kernels; `auto`: native when the addon is built and in use.
   */
  step: StepEngineChoice;
  /** MEDFT_REPLICAS: data-parallel replicas, `auto` or a count (checked where the engine is known). */
  replicas: string;
  /** MEDFT_CORE_SHARE: the cores this process may use when several cell processes share the machine. */
  coreShare: number;
  /** MEDFT_SKIP_MEMORY_CHECK: train without the wasm heap estimate (`bench --max-batch` probes the real limit). */
  skipMemoryCheck: boolean;
}

/** What an empty environment means. */
export const DEFAULT_ENGINE_SETTINGS: EngineSettings = {
  accelerator: 'auto', acceleratorThreads: null, winograd: true, step: 'auto', replicas: 'auto', coreShare: 1, skipMemoryCheck: false,
};
