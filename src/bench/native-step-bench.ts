/**
 * `medft bench --model M --engine native`'s medft side: train steps of the native whole-step engine (every weight
 * trained by Adam, as the TF.js bench does), with the engine's own per-op timings for the breakdown. The forward
 * figure is the sum of the forward ops' times within the same steps.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { UsageError } from '../errors.ts';
import { openNativeStep } from '../engine/whole-step/index.ts';

export interface StepTimes {
  forwardMs: number[];
  stepMs: number[];
  /** Milliseconds per step by op kind, largest first. */
  breakdown: Array<{ kernel: string; ms: number }>;
}

export function benchNativeSteps(model: tfl.LayersModel, o: { size: number; batch: number; steps: number; winograd: boolean; budgetSeconds?: number },
  log: (line: string) => void): StepTimes {
  const opened = openNativeStep(model, { kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0, momentum: 0.9 }, { winograd: o.winograd });
  if (!opened.step) throw new UsageError(`--engine native: ${opened.declined}`);
  const engine = opened.step;
  try {
    engine.pushWeights();
    engine.setTraining(new Map(model.trainableWeights.map((w) => [w.originalName, 1])));
    const x = Float32Array.from({ length: o.batch * o.size * o.size * 3 }, () => Math.random() * 2 - 1);
    const y = Int32Array.from({ length: o.batch }, (_, i) => i % 2);
    const shape = [o.batch, o.size, o.size, 3];
    const forwardMs: number[] = [];
    const stepMs: number[] = [];
    const totals = new Map<string, number>();
    const tStart = performance.now();
    for (let i = 0; i < o.steps + 1; i++) {
      engine.setProfiling(i > 0); // step 0 makes the primitives
      const t0 = performance.now();
      engine.step(x, shape, y, { lr: 1e-4 });
      const dt = performance.now() - t0;
      const times = engine.takeTimes();
      if (i > 0) {
        stepMs.push(dt);
        forwardMs.push(Object.entries(times).filter(([k]) => k.endsWith(' fwd')).reduce((a, [, ms]) => a + ms, 0));
        for (const [k, ms] of Object.entries(times)) totals.set(k, (totals.get(k) ?? 0) + ms);
      }
      log(`medft native ${model.name} ${o.size}px batch ${o.batch}: step ${i}/${o.steps}${i === 0 ? ' (warm-up)' : ''} ${dt.toFixed(0)} ms`);
      if (i === 0) {
        // oneDNN's reference kernels are correct but orders of magnitude slower: name any layer that got one.
        const slow = engine.describe().split('\n').filter((l) => / ref[:\s]/.test(l));
        if (slow.length) log(`layers on oneDNN's slow reference kernels: ${slow.join('; ')}`);
      }
      if (i > 0 && o.budgetSeconds != null && performance.now() - tStart > 1000 * o.budgetSeconds) break;
    }
    const steps = stepMs.length;
    const breakdown = [...totals].map(([kernel, ms]) => ({ kernel, ms: ms / steps }));
    const median = [...stepMs].sort((a, b) => a - b)[steps >> 1];
    const measured = breakdown.reduce((a, b) => a + b.ms, 0);
    breakdown.push({ kernel: 'other (JS, copies in and out)', ms: Math.max(0, median - measured) });
    return { forwardMs, stepMs, breakdown: breakdown.sort((a, b) => b.ms - a.ms) };
  } finally {
    engine.dispose();
  }
}
