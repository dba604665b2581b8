/**
 * Swaps a wasm kernel for medft's version, keeping the stock one reachable for the cases medft's does not take.
 * Idempotent: a kernel already replaced (marked `medft`) is left alone, so initialising twice is harmless.
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';

export function replaceWasmKernel(kernelName: string, make: (stock: KernelFunc) => KernelFunc): void {
  const stock = getKernel(kernelName, 'wasm');
  if (stock && (stock as { medft?: boolean }).medft) return;
  const stockFunc: KernelFunc = stock?.kernelFunc ?? (() => {
    throw new Error(`${kernelName} has no stock wasm kernel`);
  });
  if (stock) unregisterKernel(kernelName, 'wasm');
  registerKernel({ ...stock, kernelName, backendName: 'wasm', kernelFunc: make(stockFunc), medft: true } as KernelConfig);
}
