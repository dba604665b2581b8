import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { engineBanner, initEngine } from '../../engine/backend.ts';
import { benchKernels, type KernelBenchRow } from '../../engine/kernel-bench.ts';
import { backendOption } from '../options.ts';

interface BenchOptions {
  kernels?: boolean;
  sizes: string;
  batch: string;
  reps: string;
  check: boolean;
  json?: boolean;
  backend?: string;
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer, got '${value}'`);
  return n;
}

const fmt = (x: number | null, digits = 1) => (x == null || Number.isNaN(x) ? '–' : x.toFixed(digits));

function printRow(r: KernelBenchRow): void {
  const ratio = r.kernel === 'Conv2D' ? '' : `${fmt(r.gflops / r.forwardGflops, 2)}×`;
  const err = r.maxRelErr == null ? '' : r.maxRelErr.toExponential(1);
  process.stdout.write(`${String(r.imageSize).padStart(4)}  ${r.shape.padEnd(24)} ${r.kernel.padEnd(21)} ${r.path.padEnd(7)} ` +
    `${fmt(r.gflops).padStart(6)}  ${fmt(r.forwardGflops).padStart(6)}  ${fmt(r.forwardCachedGflops).padStart(6)}  ` +
    `${ratio.padStart(6)}  ${err}\n`);
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('measure the engine: per-kernel GFLOP/s of every ResNet-50 convolution (--kernels)')
    .option('--kernels', 'forward, filter-gradient and input-gradient GFLOP/s of each ResNet-50 conv shape on wasm')
    .option('--sizes <list>', 'input image sizes, comma-separated', '64,224')
    .option('--batch <n>', 'batch size', '16')
    .option('--reps <n>', 'timed calls per kernel (median reported); each gets fresh tensors', '5')
    .option('--no-check', 'skip the max-relative-error check against the cpu backend')
    .option('--json', 'print one JSON array instead of a table')
    .addOption(backendOption())
    .addHelpText('after', `
Columns: GFLOP/s of the kernel; the forward conv's GFLOP/s with fresh weights each call (the training case) and with
cached weights (inference); the kernel's speed as a share of the fresh-weight forward; max |wasm−cpu|/max|cpu|
(at batch 4, or 1 for sizes above 64: the cpu backend is too slow at full batch).

Example: medft bench --kernels --sizes 64 --json > kernels.json`)
    .action(async (opts: BenchOptions) => {
      if (!opts.kernels) throw new UsageError("say what to measure: 'medft bench --kernels'");
      const sizes = opts.sizes.split(',').map((s) => positiveInt(s.trim(), '--sizes'));
      const batch = positiveInt(opts.batch, '--batch');
      const reps = positiveInt(opts.reps, '--reps');
      const info = await initEngine(opts.backend);
      if (info.backend !== 'wasm') throw new UsageError(`--kernels measures the wasm backend's kernels, not '${info.backend}'`);
      process.stderr.write(`${engineBanner(info)}\n`);
      if (!opts.json) {
        process.stdout.write('size  shape                    kernel                path     GFLOP/s  fwd    fwd-cached ratio  max rel err\n');
      }
      const rows = await benchKernels({ sizes, batch, reps, checkErrors: opts.check, onRow: opts.json ? undefined : printRow });
      if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    });
}
