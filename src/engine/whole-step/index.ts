/**
 * The native whole-step engine's front door: open one for a model, or learn why not (no addon, a layer without a
 * native counterpart, oneDNN declining a geometry), in which case the caller trains on the TF.js path.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { tryLoadOneDnn } from '../native/onednn.ts';
import { NativeGraphUnsupported, readGraph } from './graph.ts';
import { NativeStep, type NativeOptimizer, type WholeStepClass } from './native-step.ts';

export { nativeStepUnavailable, resolveStepEngine, type StepEngine } from './choice.ts';
export { NativeGraphUnsupported, readGraph } from './graph.ts';
export type { GraphNode, GraphSpec, GraphWeight } from './graph-spec.ts';
export { NativeStep, type NativeOptimizer, type NativeStepArgs, type NativeStepResult, type PenaltyRole } from './native-step.ts';

export type NativeStepOpening = { step: NativeStep; declined: null } | { step: null; declined: string };

/** A native engine for `model`'s train step, or the reason there is none. Never throws for an unsupported model. */
export function openNativeStep(model: tfl.LayersModel, optimizer: NativeOptimizer, o: { winograd: boolean }): NativeStepOpening {
  const { addon, reason } = tryLoadOneDnn();
  const WholeStep = (addon as unknown as { WholeStep?: WholeStepClass } | null)?.WholeStep;
  if (!WholeStep) return { step: null, declined: addon ? 'the native addon predates the whole-step engine (npm install rebuilds it)' : reason };
  let graph;
  try {
    graph = readGraph(model);
  } catch (e) {
    if (e instanceof NativeGraphUnsupported) return { step: null, declined: e.reason };
    throw e;
  }
  try {
    return { step: new NativeStep(graph, new WholeStep(graph, optimizer, o), model), declined: null };
  } catch (e) {
    return { step: null, declined: (e as Error).message };
  }
}
