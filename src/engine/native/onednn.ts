/**
 * The optional native accelerator: medft's oneDNN addon (native/, built by `npm install` when libdnnl-dev is
 * present). It runs convolutions on tensors that stay in the wasm backend's heap (zero-copy, all cores).
 *
 * The engine settings (../settings.ts) choose it: accelerator `auto` (default: use the addon when it loads), `none`
 * (force the pure-wasm kernels), `onednn` (require the addon; fail if it cannot load); oneDNN's thread count (default:
 * all cores); Winograd on (default: 3×3 stride-1 convolutions with ≥ 32 channels and ≥ 8×8 output pixels use oneDNN's
 * Winograd algorithm, see native/src/medft_onednn.cc) or off (direct convolutions only). The two differ in the last
 * bits of results, so the choice is part of the engine description a run records.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { ResourceError } from '../../errors.ts';
import type { EngineSettings } from '../settings.ts';

export const ACCELERATORS = ['onednn', 'none'] as const;
export type AcceleratorName = (typeof ACCELERATORS)[number];

/** The addon's exports (native/src/medft_onednn.cc). Offsets are byte offsets into `heap`; geometry is 17 ints. */
export interface OneDnnAddon {
  convForward(heap: ArrayBuffer, xOff: number, wOff: number, biasOff: number, yOff: number, geom: number[],
    act: 0 | 1 | 2, wKey: number): void;
  convBackwardData(heap: ArrayBuffer, dyOff: number, wOff: number, dxOff: number, geom: number[], wKey: number): void;
  convBackwardWeights(heap: ArrayBuffer, xOff: number, dyOff: number, dwOff: number, geom: number[]): void;
  impl(geom: number[]): { forward: string; backwardData: string; backwardWeights: string };
  setThreads(n: number): number;
  setWinograd(on: boolean): void;
  threads(): number;
  version(): string;
  cacheStats(): { primitives: number; weightBytes: number; weightEntries: number; weightHits: number; weightMisses: number };
  setWeightCacheBytes(bytes: number): void;
  clearCaches(): void;
  adamUpdate(out: Float32Array, w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, beta1: number,
    beta2: number, stepScale: number, invC2: number, epsilon: number, decay: number): void;
  sgdUpdate(out: Float32Array, w: Float32Array, g: Float32Array, m: Float32Array, momentum: number, lr: number): void;
  maxPoolGrad(heap: ArrayBuffer, xOff: number, dyOff: number, dxOff: number, geom: number[]): void;
  channelSums(heap: ArrayBuffer, aOff: number, bOff: number, rows: number, C: number, sum: Float64Array,
    dot: Float64Array | null): void;
  channelAffine(heap: ArrayBuffer, xOff: number, outOff: number, rows: number, C: number, A: Float32Array,
    B: Float32Array): void;
  batchNormBackward(heap: ArrayBuffer, dyOff: number, xOff: number, outOff: number, rows: number, C: number,
    A: Float32Array, B: Float32Array, K: Float32Array): void;
  reluGrad(heap: ArrayBuffer, dyOff: number, xOff: number, outOff: number, n: number): void;
}

export const ADDON_PATH = new URL('../../../native/build/Release/medft_onednn.node', import.meta.url);

const require = createRequire(import.meta.url);
let loaded: { addon: OneDnnAddon | null; reason: string } | undefined;

type AddonSettings = Pick<EngineSettings, 'acceleratorThreads' | 'winograd'>;

/**
 * Loads the addon once (or explains why not) with these threads and algorithm choice; never throws. The first load in
 * a process decides them (later calls get the loaded addon).
 */
export function tryLoadOneDnn(o: AddonSettings = { acceleratorThreads: null, winograd: true }): { addon: OneDnnAddon | null; reason: string } {
  if (loaded) return loaded;
  try {
    const addon = withOpenMpWaitPolicy(() => require(ADDON_PATH.pathname) as OneDnnAddon);
    const n = o.acceleratorThreads ?? (os.availableParallelism?.() ?? os.cpus().length);
    const winograd = o.winograd;
    // before any primitive exists: oneDNN primitives keep the thread count they were created with
    addon.setThreads(n);
    addon.setWinograd(winograd);
    loaded = { addon, reason: `oneDNN ${addon.version()}, ${addon.threads()} threads${winograd ? '' : ', Winograd off'}` };
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND';
    loaded = {
      addon: null,
      reason: missing
        ? 'the native addon is not built (apt-get install libdnnl-dev, then npm install)'
        : `the native addon failed to load: ${(e as Error).message}`,
    };
  }
  return loaded;
}

/**
 * How oneDNN's OpenMP threads wait between parallel regions; libgomp reads this once, when the addon loads. A step
 * opens hundreds of regions (each convolution, large reorder and large optimizer update), separated by short JS work.
 * Threads that sleep at once (`passive`) must be woken for every region; threads that spin briefly first
 * (GOMP_SPINCOUNT=30000) made a step faster on an idle machine. On a machine busy with other work a spinning thread
 * burns the time slice its descheduled partner needs, and libgomp's default, longer spin cost most (figures:
 * docs/engine.md#measurements-behind-the-code). medft's own parallelism never oversubscribes (replicas and
 * `medft run`'s workers share the cores out), so it spins; OMP_WAIT_POLICY=passive is for machines shared with other
 * busy processes, and any OMP_WAIT_POLICY or GOMP_SPINCOUNT of the user's wins. Results do not depend on this (same
 * threads, same primitives), only speed.
 */
export function openMpWaitSetting(env: NodeJS.ProcessEnv): [string, string] | null {
  if (env.OMP_WAIT_POLICY !== undefined || env.GOMP_SPINCOUNT !== undefined) return null;
  return ['GOMP_SPINCOUNT', '30000'];
}

/**
 * Runs `load` with medft's setting in the environment, then takes it out again. The one place below the edge that
 * touches process.env, because libgomp reads its settings from the environment when the addon loads (lazily, when
 * an engine starts) and has no other way in. It takes the setting out again because libgomp has read it by then, and
 * programs medft starts (the PyTorch reference of `medft bench`) must run with their own defaults. They used to
 * inherit medft's then `OMP_WAIT_POLICY=passive`, which slowed PyTorch's steps markedly and inflated medft/PyTorch
 * ratios (figures: docs/engine.md#measurements-behind-the-code).
 */
function withOpenMpWaitPolicy<T>(load: () => T): T {
  const setting = openMpWaitSetting(process.env);
  if (!setting) return load();
  process.env[setting[0]] = setting[1];
  try {
    return load();
  } finally {
    delete process.env[setting[0]];
  }
}

/** Sets this thread's oneDNN thread count (data-parallel replicas share the cores out); no-op without the addon. */
export function setAcceleratorThreads(n: number): void {
  loaded?.addon?.setThreads(n);
}

/** The addon to use under the wasm backend, or null for the pure-wasm kernels. */
export function resolveAccelerator(o: Pick<EngineSettings, 'accelerator'> & AddonSettings): OneDnnAddon | null {
  const wanted = o.accelerator;
  if (wanted === 'none') return null;
  const { addon, reason } = tryLoadOneDnn(o);
  if (!addon && wanted === 'onednn') throw new ResourceError(`MEDFT_ACCELERATOR=onednn but ${reason}`);
  return addon;
}

/** The addon as loaded so far in this process (undefined: not tried yet); never loads it. */
export function loadedOneDnn(): { addon: OneDnnAddon | null; reason: string } | undefined {
  return loaded;
}
