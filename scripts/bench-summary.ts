/** Prints the tables of a scripts/bench.sh results folder (Markdown, ready for a report or an issue note). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelBenchResult } from '../src/bench/model-bench.ts';
import type { KernelBenchRow } from '../src/bench/kernel-bench.ts';

const dir = process.argv[2] ?? 'bench-results';
const f = (x: number | null | undefined, d = 1) => (x == null ? '–' : x.toFixed(d));

// a folder of model runs only (no `bench --kernels`) prints the model tables alone
const kernels = existsSync(join(dir, 'kernels.json')) ? JSON.parse(readFileSync(join(dir, 'kernels.json'), 'utf8')) as KernelBenchRow[] : [];
if (kernels.length) {
  console.log('## Kernels (wasm, 1 thread, batch 16): GFLOP/s and share of the fresh-weight forward\n');
  console.log('| size | shape | ×n | fwd (fresh W) | fwd (cached W) | filter grad | input grad | FG err | IG err |');
  console.log('|---|---|---|---|---|---|---|---|---|');
}
for (let i = 0; i < kernels.length; i += 3) {
  const [fw, fg, ig] = kernels.slice(i, i + 3);
  const share = (r: KernelBenchRow) => `${f(r.gflops)} (${f(r.gflops / r.forwardGflops, 2)}×, ${r.path})`;
  console.log(`| ${fw.imageSize} | ${fw.shape} | ${fw.count} | ${f(fw.gflops)} | ${f(fw.forwardCachedGflops)} | ${share(fg)} | ${share(ig)} | ` +
    `${fg.maxRelErr?.toExponential(1) ?? '–'} | ${ig.maxRelErr?.toExponential(1) ?? '–'} |`);
}
const models = readdirSync(dir).filter((n) => n.endsWith('.json') && n !== 'kernels.json' && !n.includes('max-batch'))
  .map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as ModelBenchResult);
console.log('\n## Train step vs PyTorch (same run, medians)\n');
console.log('| model | size | batch | accelerator | replicas | fwd img/s | train img/s | train GFLOP/s | step/fwd | PyTorch train img/s | ratio |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of models) {
  console.log(`| ${r.model} | ${r.size} | ${r.batch} | ${r.accelerator} | ${r.replicas ?? 1} | ${f(r.forwardImagesPerSec)} | ${f(r.trainImagesPerSec, 2)} | ${f(r.trainGflopsPerSec)} | ` +
    `${f(r.stepOverForward, 2)} | ${f(r.torchTrainImagesPerSec, 2)} | ${f(r.ratioVsTorch, 2)} |`);
}
for (const r of models) {
  console.log(`\n${r.model} ${r.size}px batch ${r.batch} (${r.accelerator}, ${r.replicas ?? 1} replica${(r.replicas ?? 1) > 1 ? 's; rank 0\'s kernels' : ''}), where a step goes (ms): ` +
    r.breakdown.slice(0, 8).map((b) => `${b.kernel} ${f(b.ms, 0)}`).join(', '));
}
for (const n of readdirSync(dir).filter((x) => x.includes('max-batch'))) {
  const m = JSON.parse(readFileSync(join(dir, n), 'utf8')) as { model: string; size: number; maxBatch: number; replicas?: number };
  console.log(`\nLargest batch whose train step fits the wasm heap${(m.replicas ?? 1) > 1 ? `s of ${m.replicas} replicas` : ''}: ${m.model} at ${m.size} px → ${m.maxBatch}`);
}
