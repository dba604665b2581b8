/**
 * Registers the kernels that stock TF.js lacks, runs as naive loops, or gets wrong (MaxPoolGrad) on the wasm backend,
 * so that a train step of a CNN runs there and is right, and fast: one list of kernel configs, each over the kernel
 * registered before it (wasm-kernel.ts), and with the oneDNN addon its kernels on top. Each kernel is checked against
 * the cpu backend in test/engine.
 */
import { backend, cast, engine, getBackend, mul, registerGradient, Relu, step, type Tensor } from '@tensorflow/tfjs-core';
import type { OneDnnAddon } from '../native/onednn.ts';
import { avgPoolGradConfig } from './avg-pool-grad.ts';
import { reluGrad } from './channel-ops.ts';
import { meanConfig, sumConfig } from './channel-reductions.ts';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.ts';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.ts';
import { conv2dConfig, fusedConv2dConfig } from './conv2d-forward.ts';
import { concatConfig, sliceConfig, splitVConfig } from './copy-kernels.ts';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './depthwise-backprop.ts';
import { maxPoolGradConfig } from './max-pool-grad.ts';
import { oneDnnKernelConfigs } from './native-kernels.ts';
import { castConfig, identityConfig } from './shared-data.ts';
import { asWasmBackend } from './wasm-heap.ts';
import { overrideWasmKernel, type WasmKernelConfig } from './wasm-kernel.ts';

/** medft's wasm kernels, each over TF.js's kernel of the same name. */
const WASM_KERNELS: WasmKernelConfig[] = [
  sumConfig, meanConfig,
  concatConfig, sliceConfig, splitVConfig,
  identityConfig, castConfig,
  conv2dConfig, fusedConv2dConfig,
  conv2dBackpropFilterConfig, conv2dBackpropInputConfig,
  depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig,
  avgPoolGradConfig, maxPoolGradConfig,
];

/**
 * ReLU's gradient, dy·step(x), as one pass on wasm (channel-ops.ts: native with the accelerator) instead of three
 * TF.js kernels (Step, Cast, Multiply: three passes and two temporaries); the same float32 product, so the same bits.
 * Other backends keep TF.js's formula (the gradient registry is global, so this branches on the backend in use when
 * the gradient runs).
 */
function fuseReluGradient(): void {
  registerGradient({
    kernelName: Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      const d = dy as Tensor;
      return {
        x: () => getBackend() === 'wasm' && d.dtype === 'float32' && x.dtype === 'float32'
          ? engine().makeTensorFromTensorInfo(reluGrad(asWasmBackend(backend()), d, x))
          : mul(d, cast(step(x), 'float32')),
      };
    },
  });
}

/** Registers medft's wasm kernels; with `accelerator` (the oneDNN addon) its kernels go on top. */
export function registerWasmTrainingKernels(accelerator: OneDnnAddon | null = null): void {
  fuseReluGradient();
  const configs = [...WASM_KERNELS, ...(accelerator ? oneDnnKernelConfigs(accelerator) : [])];
  for (const config of configs) overrideWasmKernel(config);
}
