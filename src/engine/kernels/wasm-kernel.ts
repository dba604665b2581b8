/**
 * The one way medft puts a kernel in place of the wasm backend's. A medft kernel has tfjs-core's KernelConfig shape,
 * its arguments typed with tfjs-core's input and attribute interfaces (as in TF.js's own wasm kernels), and is handed
 * the kernel it overrides as `fallback`, for the calls it does not take. Kernels come in layers: medft's wasm kernels
 * over TF.js's, and the oneDNN addon's over those. Overriding is idempotent per layer, so initialising twice is
 * harmless.
 */
import {
  getKernel, registerKernel, unregisterKernel, type KernelConfig, type KernelFunc, type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { WasmBackend } from './wasm-heap.ts';

export type KernelLayer = 'wasm' | 'onednn';

/** A kernel's named inputs, all present (tfjs-core's `Pick<NamedTensorInfoMap, …>` types allow undefined). */
export type Present<I> = { [K in keyof I]-?: NonNullable<I[K]> };

export interface KernelArgs<I, A> {
  inputs: I;
  attrs: A;
  backend: WasmBackend;
}

type KernelOutput = TensorInfo | TensorInfo[];
type Registered = KernelConfig & { medftLayers?: KernelLayer[] };

export interface WasmKernelConfig {
  kernelName: string;
  layer: KernelLayer;
  /** Runs the kernel; `fallback` runs the kernel this one overrides on the same arguments. */
  kernelFunc: (args: Parameters<KernelFunc>[0], fallback: () => KernelOutput) => KernelOutput;
}

/** A kernel config from a function typed with tfjs-core's interfaces; the registry hands every kernel untyped maps. */
export function wasmKernel<I extends object | TensorInfo[], A extends object>(kernelName: string, layer: KernelLayer,
  kernelFunc: (args: KernelArgs<I, A>, fallback: () => KernelOutput) => KernelOutput): WasmKernelConfig {
  return { kernelName, layer, kernelFunc: (args, fallback) => kernelFunc(args as KernelArgs<I, A>, fallback) };
}

/** Registers `config` over the wasm kernel registered now (TF.js's, or a lower medft layer's), kept as its fallback. */
export function overrideWasmKernel(config: WasmKernelConfig): void {
  const below = getKernel(config.kernelName, 'wasm') as Registered | undefined;
  const layers = below?.medftLayers ?? [];
  if (layers.includes(config.layer)) return;
  const fallbackFunc: KernelFunc = below?.kernelFunc ?? (() => {
    throw new Error(`${config.kernelName} has no stock wasm kernel`);
  });
  if (below) unregisterKernel(config.kernelName, 'wasm');
  const registered: Registered = {
    ...below,
    kernelName: config.kernelName,
    backendName: 'wasm',
    kernelFunc: (args) => config.kernelFunc(args, () => fallbackFunc(args)),
    medftLayers: [...layers, config.layer],
  };
  registerKernel(registered);
}

/** The medft layers the wasm kernel `kernelName` runs through now, lowest first (none: TF.js's own). */
export function kernelLayers(kernelName: string): KernelLayer[] {
  return (getKernel(kernelName, 'wasm') as Registered | undefined)?.medftLayers ?? [];
}
