/**
 * Wall time per kernel of the current backend, counting top-level kernels only (a gradient kernel's inner
 * GEMM is charged to the gradient kernel). Install once; `take()` returns and clears the totals.
 */
import { getKernelsForBackend } from '@tensorflow/tfjs-core';

const totals = new Map<string, number>();
const installed = new Set<string>();
let depth = 0;

export function installKernelProfiler(backendName: string): void {
  if (installed.has(backendName)) return;
  installed.add(backendName);
  for (const config of getKernelsForBackend(backendName)) {
    const inner = config.kernelFunc;
    (config as { kernelFunc: typeof inner }).kernelFunc = (args) => {
      depth++;
      const t0 = performance.now();
      try {
        return inner(args);
      } finally {
        depth--;
        if (depth === 0) totals.set(config.kernelName, (totals.get(config.kernelName) ?? 0) + performance.now() - t0);
      }
    };
  }
}

/** Milliseconds per kernel since the last call, largest first. */
export function takeKernelTimes(): Array<{ kernel: string; ms: number }> {
  const out = [...totals.entries()].map(([kernel, ms]) => ({ kernel, ms })).sort((a, b) => b.ms - a.ms);
  totals.clear();
  return out;
}
