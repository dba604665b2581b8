import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradient functions; tfjs-layers' bundle registers all of them on import
// (tfjs-core's own register_all_gradients module cannot be imported from Node ESM).
import '@tensorflow/tfjs-layers';
import os from 'node:os';
import { ResourceError, UsageError } from '../errors.ts';
import { setNativeChannelOps } from './kernels/channel-ops.ts';
import { registerWasmTrainingKernels } from './kernels/register.ts';
import { type AcceleratorName, resolveAccelerator } from './native/onednn.ts';
import { setNativeOptimizerUpdates } from './optimizer-update.ts';
import { MEDFT_VERSION } from '../version.ts';
import { DEFAULT_ENGINE_SETTINGS, type EngineSettings } from './settings.ts';

import { BACKENDS, parseBackendName, type BackendName } from './backend-names.ts';

export { BACKENDS, parseBackendName, type BackendName };

export interface EngineInfo {
  backend: BackendName;
  threads: number;
  tfjsVersion: string;
  nodeVersion: string;
  /**
   * Native kernels in use under the wasm backend: "onednn" when medft's oneDNN addon is built and loads (and
   * MEDFT_ACCELERATOR is not "none"), else "none" (pure-wasm kernels).
   */
  accelerator: AcceleratorName;
  /** Threads the accelerator's kernels run on (0 without one). */
  acceleratorThreads: number;
  /** Whether the accelerator runs eligible 3×3 convolutions with Winograd (false without one). */
  acceleratorWinograd: boolean;
}

type Accel = Pick<EngineInfo, 'accelerator' | 'acceleratorThreads' | 'acceleratorWinograd'>;
const NO_ACCELERATOR: Accel = { accelerator: 'none', acceleratorThreads: 0, acceleratorWinograd: false };

let current: EngineInfo | undefined;


/** tfjs-node is optional: it is used when the user has installed it, never required. */
async function loadTensorflowBackend(): Promise<boolean> {
  try {
    await import(['@tensorflow', 'tfjs-node'].join('/'));
    return tf.findBackend('tensorflow') != null;
  } catch {
    return false;
  }
}

async function loadWasmBackend(settings: EngineSettings): Promise<Accel> {
  // The Node build of the wasm backend is single-threaded (see docs/engine.md for why threads are not used).
  await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) throw new ResourceError('the wasm backend failed to initialise');
  // the oneDNN addon, when built and not switched off (accelerator none), runs the convolutions natively
  const addon = resolveAccelerator(settings);
  registerWasmTrainingKernels(addon);
  setNativeOptimizerUpdates(addon);
  setNativeChannelOps(addon);
  return addon ? { accelerator: 'onednn', acceleratorThreads: addon.threads(), acceleratorWinograd: settings.winograd } : NO_ACCELERATOR;
}

/**
 * Chooses and initialises the TF.js backend once per process: the settings' backend, else the fastest that loads
 * (tensorflow when @tensorflow/tfjs-node is installed, otherwise wasm). cpu only when asked.
 */
export async function initEngine(settings: EngineSettings = DEFAULT_ENGINE_SETTINGS): Promise<EngineInfo> {
  const wanted: BackendName | 'auto' = settings.backend ?? 'auto';
  if (current && (wanted === 'auto' || wanted === current.backend)) return current;

  // PROD silences TF.js's console tips (e.g. "install tfjs-node"); medft prints its own banner instead.
  tf.env().set('PROD', true);
  let backend: BackendName;
  let accel: Accel = NO_ACCELERATOR;
  if (wanted === 'tensorflow' || wanted === 'auto') {
    if (await loadTensorflowBackend()) {
      await tf.setBackend('tensorflow');
      backend = 'tensorflow';
    } else if (wanted === 'tensorflow') {
      throw new ResourceError(
        "backend 'tensorflow' needs @tensorflow/tfjs-node, which is not installed here; use --backend wasm",
      );
    } else {
      accel = await loadWasmBackend(settings);
      backend = 'wasm';
    }
  } else if (wanted === 'wasm') {
    accel = await loadWasmBackend(settings);
    backend = 'wasm';
  } else {
    await import('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('cpu');
    backend = 'cpu';
  }
  await tf.ready();
  current = {
    backend,
    threads: backend === 'tensorflow' ? os.cpus().length : 1,
    tfjsVersion: tf.version_core,
    nodeVersion: process.versions.node,
    ...accel,
  };
  return current;
}

export function engineInfo(): EngineInfo {
  if (!current) throw new Error('initEngine() has not been called');
  return current;
}

/** The one line every run prints first. */
export function engineBanner(info: EngineInfo): string {
  return `medft ${MEDFT_VERSION} · backend ${info.backend} · ${info.threads} thread${info.threads === 1 ? '' : 's'} · accelerator ${info.accelerator}${info.acceleratorThreads ? ` (${info.acceleratorThreads} thread${info.acceleratorThreads === 1 ? '' : 's'}${info.acceleratorWinograd ? '' : ', Winograd off'})` : ''} · tfjs ${info.tfjsVersion} · node ${info.nodeVersion}`;
}
