import { Option, type Command } from 'commander';
import { UsageError } from '../../errors.ts';
import type { KernelBenchRow } from '../../bench/kernel-bench.ts';
import type { ModelBenchResult } from '../../bench/model-bench.ts';
import { backendOption, engineOption, positiveInt } from '../options.ts';
import { settingsFromEnv, withBackendFlag, withEngineFlag } from '../../settings.ts';
import { summary } from './table.ts';

interface BenchOptions {
  kernels?: boolean;
  model?: string;
  sizes: string;
  size: string;
  batch: string;
  steps: string;
  reps: string;
  check: boolean;
  torch: boolean;
  torchThreads?: string;
  maxBatch?: boolean;
  replicas?: string;
  skipMemoryCheck?: boolean;
  json?: boolean;
  backend?: string;
  engine?: string;
}

const fmt = (x: number | null, digits = 1) => (x == null || Number.isNaN(x) ? '–' : x.toFixed(digits));

function printKernelRow(r: KernelBenchRow): void {
  const ratio = r.kernel === 'Conv2D' ? '' : `${fmt(r.gflops / r.forwardGflops, 2)}×`;
  const err = r.maxRelErr == null ? '' : r.maxRelErr.toExponential(1);
  process.stdout.write(`${String(r.imageSize).padStart(4)}  ${r.shape.padEnd(24)} ${r.kernel.padEnd(21)} ${r.path.padEnd(7)} ` +
    `${fmt(r.gflops).padStart(6)}  ${fmt(r.forwardGflops).padStart(6)}  ${fmt(r.forwardCachedGflops).padStart(6)}  ` +
    `${ratio.padStart(6)}  ${err}\n`);
}

function printModelResult(r: ModelBenchResult): void {
  const lines = [
    `${r.model} ${r.size}×${r.size} batch ${r.batch}, median of ${r.steps} steps (${r.engine === 'native' ? 'native whole-step engine' : `TF.js, backend ${r.backend}, accelerator ${r.accelerator}`}${r.replicas > 1 ? `, ${r.replicas} replicas` : ''})`,
    `  forward     ${fmt(r.forwardImagesPerSec).padStart(7)} img/s  ${fmt(r.forwardGflopsPerSec).padStart(6)} GFLOP/s`,
    `  train step  ${fmt(r.trainImagesPerSec).padStart(7)} img/s  ${fmt(r.trainGflopsPerSec).padStart(6)} GFLOP/s  (step = ${fmt(r.stepOverForward, 2)}× forward)`,
  ];
  if (r.torchTrainImagesPerSec != null) {
    lines.push(`  PyTorch ${r.torch!.version} (${r.torch!.threads} threads): train ${fmt(r.torchTrainImagesPerSec)} img/s, ` +
      `forward ${fmt(r.torchForwardImagesPerSec)} img/s → medft/PyTorch = ${fmt(r.ratioVsTorch, 2)}×`);
  } else if (r.torchNote) lines.push(`  PyTorch: ${r.torchNote}`);
  lines.push('  where a step goes (ms):');
  for (const b of r.breakdown.slice(0, 12)) lines.push(`    ${b.kernel.padEnd(44)} ${fmt(b.ms).padStart(7)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function runKernels(opts: BenchOptions): Promise<void> {
  const sizes = opts.sizes.split(',').map((s) => positiveInt(s.trim(), '--sizes'));
  const batch = positiveInt(opts.batch, '--batch');
  const reps = positiveInt(opts.reps, '--reps');
  const { engineBanner, initEngine } = await import('../../engine/index.ts');
  const { benchKernels } = await import('../../bench/kernel-bench.ts');
  const info = await initEngine(withBackendFlag(settingsFromEnv().engine, opts.backend));
  if (info.backend !== 'wasm') throw new UsageError(`--kernels measures the wasm backend's kernels, not '${info.backend}'`);
  process.stderr.write(`${engineBanner(info)}\n`);
  if (!opts.json) {
    process.stdout.write('size  shape                    kernel                path     GFLOP/s  fwd    fwd-cached ratio  max rel err\n');
  }
  const rows = await benchKernels({
    sizes, batch, reps, checkErrors: opts.check,
    onRow: opts.json ? undefined : printKernelRow,
  });
  if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
}

async function runModel(opts: BenchOptions): Promise<void> {
  const model = opts.model!;
  const { engineBanner, initEngine, maxBatchEstimate } = await import('../../engine/index.ts');
  const { findMaxBatch } = await import('../../bench/max-batch.ts');
  const { benchModel, defaultTorchThreads } = await import('../../bench/model-bench.ts');
  const { buildModel, modelNames } = await import('../../models/index.ts');
  const { resolveReplicas } = await import('../../train/data-parallel/index.ts');
  if (!modelNames().includes(model)) throw new UsageError(`unknown model '${model}': choose one of ${modelNames().join(', ')}`);
  const size = positiveInt(opts.size, '--size');
  const batch = positiveInt(opts.batch, '--batch');
  const steps = positiveInt(opts.steps, '--steps');
  const torchThreads = opts.torchThreads ? positiveInt(opts.torchThreads, '--torch-threads') : defaultTorchThreads();
  const settings = settingsFromEnv();
  const engineSettings = withEngineFlag(withBackendFlag(settings.engine, opts.backend), opts.engine);
  const info = await initEngine(engineSettings);
  process.stderr.write(`${engineBanner(info)}\n`);
  const replicas = resolveReplicas(opts.replicas ?? settings.engine.replicas, info);
  const { resolveStepEngine } = await import('../../engine/whole-step/choice.ts');
  const engine = resolveStepEngine(engineSettings.step, engineSettings, replicas, opts.engine ? '--engine' : 'MEDFT_ENGINE');
  if (opts.maxBatch) {
    if (info.backend !== 'wasm') throw new UsageError('--max-batch probes the wasm heap; use it with the wasm backend');
    const { maxBatch: measured, trials } = findMaxBatch(model, size, replicas, (t) =>
      process.stderr.write(`batch ${t.batch}: ${t.fits ? `fits (${fmt(t.trainImagesPerSec)} img/s, heap ${fmt((t.wasmHeapBytes ?? 0) / 2 ** 30, 2)} GiB)` : 'does not fit'}\n`));
    // finetune checks its estimate before training; report the largest batch that check also lets through
    const { model: built } = buildModel(model, { numClasses: 2, inputSize: size });
    const accepted = maxBatchEstimate(built) * replicas;
    built.dispose();
    const maxBatch = Math.min(measured, accepted);
    if (opts.json) process.stdout.write(`${JSON.stringify({ model, size, replicas, maxBatch, measuredMaxBatch: measured, trials }, null, 2)}\n`);
    else {
      process.stdout.write(`${model} at ${size}×${size}: the largest batch whose train step fits the wasm heap${replicas > 1 ? `s of ${replicas} replicas` : ''} is ${maxBatch}` +
        `${measured > maxBatch ? ` (${measured} fit one measured step with no margin; training's memory check stops at ${accepted})` : ''}\n`);
    }
    return;
  }
  const skipMemoryCheck = !!opts.skipMemoryCheck || settings.engine.skipMemoryCheck;
  const result = await benchModel({ model, size, batch, steps, torch: opts.torch, torchThreads, replicas, skipMemoryCheck, torchPython: settings.torchPython, engine }, opts.json ? undefined : (line) => process.stderr.write(`${line}\n`));
  if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else printModelResult(result);
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description(summary('bench'))
    .option('--kernels', 'forward, filter-gradient and input-gradient GFLOP/s of each ResNet-50 conv shape on wasm')
    .option('--model <name>', 'time forward and train steps of this model (see medft models)')
    .option('--sizes <list>', 'with --kernels: input image sizes, comma-separated', '64,224')
    .option('--size <px>', 'with --model: input image size', '64')
    .option('--batch <n>', 'batch size', '16')
    .option('--steps <k>', 'with --model: timed train steps (median reported), after one warm-up step', '5')
    .option('--reps <n>', 'with --kernels: timed calls per kernel (median reported); each gets fresh tensors', '5')
    .option('--no-check', 'with --kernels: skip the max-relative-error check against the cpu backend')
    .option('--no-torch', 'with --model: skip the PyTorch comparison')
    .option('--torch-threads <n>', 'with --model: PyTorch threads (default: all cores)')
    .option('--max-batch', 'with --model: find the largest batch whose train step fits the wasm heap')
    .option('--replicas <n>', "with --model: split each batch over n wasm engines in worker threads of this process, as finetune does (auto: every core on pure wasm, 1 with the accelerator, where more engines hold batches too large for one 4 GiB heap; default: auto, or env MEDFT_REPLICAS)")
    // For --max-batch's trials in child processes, which probe the real limit of the wasm heap.
    .addOption(new Option('--skip-memory-check').hideHelp())
    .option('--json', 'print JSON instead of a table')
    .addOption(backendOption())
    .addOption(engineOption())
    .addHelpText('after', `
--kernels columns: GFLOP/s of the kernel; the forward conv's GFLOP/s with fresh weights each call (the training
case) and with cached weights (inference); the kernel's speed as a share of the fresh-weight forward; max
|wasm−cpu|/max|cpu| (at batch 4, or 1 for sizes above 64: the cpu backend is too slow at full batch).

--model: the train step is forward, backward and an Adam update of every weight, with medft's head (global average
pooling + dense), in the engine training uses (--engine: native by default when the addon is built). With Debian's python3-torch and python3-torchvision installed, the same architecture is timed in
PyTorch in the same run (after medft, never concurrently) and the ratio printed. FLOPs count convolutions and dense
layers (2 per multiply-add); a train step counts 3× the forward.

Examples:
  medft bench --kernels --sizes 64 --json > kernels.json
  medft bench --model resnet50 --size 64 --batch 16 --steps 5
  medft bench --model densenet121 --engine tfjs        # the TF.js path, for comparison
  MEDFT_ACCELERATOR=none medft bench --model vgg19 --size 64 --batch 16 --replicas 1
  medft bench --model resnet50 --size 224 --max-batch`)
    .action(async (opts: BenchOptions) => {
      if (!!opts.kernels === !!opts.model) throw new UsageError("say what to measure: 'medft bench --kernels' or 'medft bench --model <name>'");
      if (opts.kernels) await runKernels(opts);
      else await runModel(opts);
    });
}
