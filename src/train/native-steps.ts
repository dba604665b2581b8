/**
 * The run's native whole-step engines, one per net an epoch trains (the model, or a feature cache's suffix), opened
 * on first use. A net the engine declines (a layer without a native counterpart, oneDNN refusing a geometry) trains
 * on the TF.js path, and the reason is said once.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { openNativeStep, type NativeOptimizer, type NativeStep } from '../engine/whole-step/index.ts';
import type { OptimizerConfig } from './optimizer.ts';

export class NativeSteps {
  private readonly opened = new Map<tfl.LayersModel, NativeStep | null>();
  /** Why a net trains on TF.js instead, for the run's record (the first decline). */
  declined: string | null = null;
  /** Whether any epoch ran natively. */
  ran = false;

  constructor(private readonly optimizer: NativeOptimizer, private readonly winograd: boolean, private readonly say?: (line: string) => void) {}

  static fromConfig(o: Required<OptimizerConfig>, winograd: boolean, say?: (line: string) => void): NativeSteps {
    return new NativeSteps({ kind: o.kind, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, weightDecay: o.weightDecay, momentum: o.momentum }, winograd, say);
  }

  /** The engine for `net`, or null when it declined. */
  for(net: tfl.LayersModel): NativeStep | null {
    if (!this.opened.has(net)) {
      const o = openNativeStep(net, this.optimizer, { winograd: this.winograd });
      if (o.declined) {
        this.declined ??= o.declined;
        this.say?.(`native engine declined ${net.name} (${o.declined}); training it on the TF.js path`);
      }
      this.opened.set(net, o.step);
    }
    const step = this.opened.get(net)!;
    this.ran ||= step != null;
    return step;
  }

  dispose(): void {
    for (const s of this.opened.values()) s?.dispose();
    this.opened.clear();
  }
}
