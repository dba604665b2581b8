/**
 * `medft bench --model`: images/s and effective GFLOP/s of a model's forward pass and of a full train step
 * (forward, backward, Adam update of every weight), the median of several steps, with a breakdown of where a step's
 * time goes — and, when Debian's PyTorch is installed, the same architecture's train step in PyTorch, measured in
 * the same run (after medft's, never concurrently) for a ratio.
 *
 * With engine 'native' the step is the native whole-step engine's (native-step-bench.ts). Otherwise it is the TF.js
 * training loop's own: the gradients of the softmax cross-entropy from its data parallelism
 * (src/train/data-parallel/) and medft's Optimizer — with `replicas` > 1, the batch split over that many engines in
 * worker threads, as `medft finetune --replicas` trains. The forward figure is the forward part of those
 * same steps, timed inside them (on rank 0, whose forward waits for the others' at every BatchNorm).
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { assertTrainingFits, engineInfo, wasmHeapBytes } from '../engine/index.ts';
import { median } from './compare.ts';
import { installKernelProfiler, takeKernelTimes } from './kernel-profiler.ts';
import { forwardFlopsPerImage, trainFlopsPerImage } from './model-flops.ts';
import { buildModel, type ModelSpec } from '../models/index.ts';
import { benchNativeSteps, type StepTimes } from './native-step-bench.ts';
import { Optimizer } from '../train/optimizer.ts';
import { startDataParallel } from '../train/data-parallel/index.ts';
import { findTorchPython, runTorchReference, TORCH_MODELS } from './torch-reference.ts';

export interface ModelBenchOptions {
  model: string;
  size: number;
  batch: number;
  steps: number;
  torch: boolean;
  torchThreads: number;
  /** Stop measuring once this many seconds have passed since the start (after at least one measured step). */
  budgetSeconds?: number;
  /** Data-parallel engines in this process (wasm only; default 1). */
  replicas?: number;
  /** Train without the wasm heap estimate (`--max-batch`'s trials probe the real limit). */
  skipMemoryCheck?: boolean;
  /** MEDFT_TORCH_PYTHON: the Python to try first for the PyTorch reference. */
  torchPython?: string;
  /** Where the step runs: the native whole-step engine, or TF.js (default). */
  engine?: 'native' | 'tfjs';
}

export interface ModelBenchResult {
  backend: string;
  /** "onednn" when the native addon ran the convolutions, "none" for the pure-wasm kernels. */
  accelerator: 'onednn' | 'none';
  acceleratorThreads: number;
  acceleratorWinograd: boolean;
  /** Engines the batch was split over (worker threads of one process). */
  replicas: number;
  /** Where the steps ran: the native whole-step engine or TF.js. */
  engine: 'native' | 'tfjs';
  model: string;
  size: number;
  batch: number;
  steps: number;
  forwardImagesPerSec: number;
  trainImagesPerSec: number;
  forwardGflopsPerSec: number;
  trainGflopsPerSec: number;
  /** Median train step ÷ median forward part of the same steps (a balanced engine is near 3). */
  stepOverForward: number;
  /** Milliseconds per step by kernel (top-level, rank 0's), plus 'other' for JS work outside kernels (and waits). */
  breakdown: Array<{ kernel: string; ms: number }>;
  wasmHeapBytes: number;
  torchTrainImagesPerSec: number | null;
  torchForwardImagesPerSec: number | null;
  ratioVsTorch: number | null;
  torch: { version: string; threads: number; python: string } | null;
  torchNote?: string;
}

export async function benchModel(o: ModelBenchOptions, log: (line: string) => void = () => {}): Promise<ModelBenchResult> {
  const info = engineInfo();
  const { model, spec } = buildModel(o.model, { numClasses: 2, inputSize: o.size });
  const flopsForward = forwardFlopsPerImage(model) * o.batch;
  const flopsTrain = trainFlopsPerImage(model) * o.batch;
  const native = o.engine === 'native';
  let measured: StepTimes & { replicas: number; heap: number };
  try {
    measured = native
      ? { ...benchNativeSteps(model, { ...o, winograd: info.acceleratorWinograd }, log), replicas: 1, heap: wasmHeapBytes() }
      : await benchTfjsSteps(model, spec, o, log);
  } finally {
    model.dispose();
  }
  const { forwardMs, stepMs, breakdown } = measured;
  const steps = stepMs.length;
  const step = median(stepMs);
  const fwd = median(forwardMs);
  const result: ModelBenchResult = {
    backend: info.backend,
    accelerator: info.accelerator,
    acceleratorThreads: info.acceleratorThreads,
    acceleratorWinograd: info.acceleratorWinograd,
    replicas: measured.replicas,
    engine: native ? 'native' : 'tfjs',
    model: o.model,
    size: o.size,
    batch: o.batch,
    steps,
    forwardImagesPerSec: (o.batch * 1000) / fwd,
    trainImagesPerSec: (o.batch * 1000) / step,
    forwardGflopsPerSec: flopsForward / fwd / 1e6,
    trainGflopsPerSec: flopsTrain / step / 1e6,
    stepOverForward: step / fwd,
    breakdown,
    wasmHeapBytes: measured.heap,
    torchTrainImagesPerSec: null,
    torchForwardImagesPerSec: null,
    ratioVsTorch: null,
    torch: null,
  };
  if (!o.torch) return result;
  const python = TORCH_MODELS.includes(o.model) ? findTorchPython(o.torchPython) : null;
  if (!python) {
    result.torchNote = TORCH_MODELS.includes(o.model)
      ? 'PyTorch not found: apt-get install python3-torch python3-torchvision (or set MEDFT_TORCH_PYTHON)'
      : `no torchvision counterpart for ${o.model}`;
    return result;
  }
  log(`PyTorch ${o.model}: ${o.steps} steps after 2 warm-up steps, ${o.torchThreads} threads`);
  const t = runTorchReference(python, { model: o.model, size: o.size, batch: o.batch, steps: o.steps, threads: o.torchThreads });
  result.torch = { version: t.torchVersion, threads: t.threads, python };
  result.torchTrainImagesPerSec = o.batch / median(t.stepSeconds);
  result.torchForwardImagesPerSec = o.batch / median(t.forwardSeconds);
  result.ratioVsTorch = result.trainImagesPerSec / result.torchTrainImagesPerSec;
  return result;
}

export const defaultTorchThreads = () => os.cpus().length;

/** The training loop's own step on TF.js: gradients from its data parallelism, medft's Optimizer. */
async function benchTfjsSteps(model: tfl.LayersModel, spec: ModelSpec, o: ModelBenchOptions, log: (line: string) => void): Promise<StepTimes & { replicas: number; heap: number }> {
  const info = engineInfo();
  if (!o.skipMemoryCheck) assertTrainingFits(model, o.batch, `${o.model} at ${o.size}×${o.size}`, o.replicas ?? 1);
  const variables: Record<string, tf.Variable> = {};
  for (const w of model.trainableWeights) {
    const v = w.read() as tf.Variable;
    variables[v.name] = v;
  }
  const optimizer = new Optimizer({ kind: 'adam', lr: 1e-4 });
  const xData = Float32Array.from({ length: o.batch * o.size * o.size * 3 }, () => Math.random() * 2 - 1);
  const shape = [o.batch, o.size, o.size, 3];
  const y = Int32Array.from({ length: o.batch }, (_, i) => i % 2);
  const dataParallel = await startDataParallel(model, spec, o.replicas ?? 1);
  installKernelProfiler(info.backend);

  const forwardMs: number[] = [];
  const stepMs: number[] = [];
  const sync = { publish: 0, wait: 0, sum: 0, syncWait: 0 };
  const tStart = performance.now();
  for (let i = 0; i < o.steps + 1; i++) {
    if (i === 1) takeKernelTimes(); // step 0 warms up code paths and allocations
    const t0 = performance.now();
    let tForward = 0;
    const onForward = () => { tForward = performance.now() - t0; };
    // A batch with fewer rows than replicas runs on rank 0 alone, as in training.
    const { grads, split } = dataParallel.gradients({ net: model, variables: Object.values(variables), batch: { x: xData, shape, y }, numClasses: 2, onForward });
    if (split && i > 0) for (const k of Object.keys(sync) as Array<keyof typeof sync>) sync[k] += split[k];
    optimizer.step(grads, variables);
    const dt = performance.now() - t0;
    tf.dispose(Object.values(grads));
    if (i > 0) {
      forwardMs.push(tForward);
      stepMs.push(dt);
    }
    log(`medft ${o.model} ${o.size}px batch ${o.batch}: step ${i}/${o.steps}${i === 0 ? ' (warm-up)' : ''} ${dt.toFixed(0)} ms`);
    if (i > 0 && o.budgetSeconds != null && performance.now() - tStart > 1000 * o.budgetSeconds) break;
  }
  const steps = stepMs.length;
  const kernels = takeKernelTimes().map((k) => ({ kernel: k.kernel, ms: k.ms / steps }));
  const step = median(stepMs);
  const replicaRows = dataParallel.ranks > 1 ? [
    { kernel: 'replicas: publish weights', ms: sync.publish / steps },
    { kernel: 'replicas: wait for the others', ms: sync.wait / steps },
    { kernel: 'replicas: wait at BatchNorm syncs', ms: sync.syncWait / steps },
    { kernel: 'replicas: sum gradients', ms: sync.sum / steps },
  ] : [];
  const kernelTotal = [...kernels, ...replicaRows].reduce((a, k) => a + k.ms, 0);
  const breakdown = [...kernels, ...replicaRows, { kernel: 'other (JS: tape, BatchNorm sums, optimizer)', ms: Math.max(0, step - kernelTotal) }]
    .sort((a, b) => b.ms - a.ms);
  const heap = wasmHeapBytes();
  await dataParallel.close();
  return { forwardMs, stepMs, breakdown, replicas: dataParallel.ranks, heap };
}

