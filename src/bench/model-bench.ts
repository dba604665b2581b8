/**
 * `medft bench --model`: images/s and effective GFLOP/s of a model's forward pass and of a full train step
 * (forward, backward, Adam update of every weight), the median of several steps, with a breakdown of where a step's
 * time goes — and, when Debian's PyTorch is installed, the same architecture's train step in PyTorch, measured in
 * the same run (after medft's, never concurrently) for a ratio.
 *
 * The step is the training loop's own: variableGrads of the softmax cross-entropy of model.apply(x, training)
 * and medft's Optimizer. The forward figure is the forward part of those same steps, timed inside them.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { engineInfo } from '../engine/backend.ts';
import { median } from '../engine/compare.ts';
import { installKernelProfiler, takeKernelTimes } from '../engine/kernel-profiler.ts';
import { assertTrainingFits, wasmHeapBytes } from '../engine/memory.ts';
import { forwardFlopsPerImage, trainFlopsPerImage } from '../engine/model-flops.ts';
import { buildModel } from '../models/index.ts';
import { Optimizer } from '../train/optimizer.ts';
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
}

export interface ModelBenchResult {
  backend: string;
  /** "onednn" when the native addon ran the convolutions, "none" for the pure-wasm kernels. */
  accelerator: 'onednn' | 'none';
  acceleratorThreads: number;
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
  /** Milliseconds per step by kernel (top-level), plus 'other' for JS work outside kernels. */
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
  const { model } = buildModel(o.model, { numClasses: 2, inputSize: o.size });
  assertTrainingFits(model, o.batch, `${o.model} at ${o.size}×${o.size}`);
  const variables: Record<string, tf.Variable> = {};
  for (const w of model.trainableWeights) {
    const v = w.read() as tf.Variable;
    variables[v.name] = v;
  }
  const flopsForward = forwardFlopsPerImage(model) * o.batch;
  const flopsTrain = trainFlopsPerImage(model) * o.batch;
  const optimizer = new Optimizer({ kind: 'adam', lr: 1e-4 });
  const x = tf.randomUniform([o.batch, o.size, o.size, 3], -1, 1);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: o.batch }, (_, i) => i % 2), 'int32'), 2);
  installKernelProfiler(info.backend);

  const forwardMs: number[] = [];
  const stepMs: number[] = [];
  const tStart = performance.now();
  for (let i = 0; i < o.steps + 1; i++) {
    if (i === 1) takeKernelTimes(); // step 0 warms up code paths and allocations
    const t0 = performance.now();
    let tForward = 0;
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor;
      tForward = performance.now() - t0;
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    }, Object.values(variables));
    optimizer.step(grads, variables);
    value.dataSync();
    const dt = performance.now() - t0;
    tf.dispose([value, ...Object.values(grads)]);
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
  const fwd = median(forwardMs);
  const kernelTotal = kernels.reduce((a, k) => a + k.ms, 0);
  const breakdown = [...kernels, { kernel: 'other (JS: tape, BatchNorm sums, optimizer)', ms: Math.max(0, step - kernelTotal) }];
  const heap = wasmHeapBytes();
  tf.dispose([x, labels]);
  model.dispose();

  const result: ModelBenchResult = {
    backend: info.backend,
    accelerator: info.accelerator,
    acceleratorThreads: info.acceleratorThreads,
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
    wasmHeapBytes: heap,
    torchTrainImagesPerSec: null,
    torchForwardImagesPerSec: null,
    ratioVsTorch: null,
    torch: null,
  };
  if (!o.torch) return result;
  const python = TORCH_MODELS.includes(o.model) ? findTorchPython() : null;
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
