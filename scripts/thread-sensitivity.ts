/**
 * Do results that depend on the accelerator's thread count come from rounding or from a wrong kernel? Trains one
 * epoch of a fine-tune and records every step's training loss; run it once per engine setting (each in its own
 * process: the thread count is read when the addon loads) and compare the files with `--compare`. Rounding shows as
 * step losses that agree to ~1e-6 at first and drift apart step by step; a wrong kernel shows as a gap from the
 * second step on (the first step's loss comes before any update).
 *
 *   MEDFT_ACCELERATOR_THREADS=1 node --import tsx scripts/thread-sensitivity.ts <data> <out.json> [strategy] [lr] [adam|sgd]
 *   MEDFT_ACCELERATOR=none      node --import tsx scripts/thread-sensitivity.ts <data> <out.json> [strategy] [lr]
 *   node --import tsx scripts/thread-sensitivity.ts --compare a.json b.json …
 */
import { engineFromEnv, pathsFromEnv } from '../src/settings.ts';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineBanner, initEngine } from '../src/engine/index.ts';
import { resolveRunSpec, runSpec } from '../src/run/index.ts';
import { resolveStepEngine } from '../src/engine/whole-step/choice.ts';

interface Trace { engine: string; losses: number[]; valLoss: number | null }

const args = process.argv.slice(2);
if (args[0] === '--compare') {
  const traces = args.slice(1).map((f) => ({ file: f, ...(JSON.parse(readFileSync(f, 'utf8')) as Trace) }));
  const [ref, ...rest] = traces;
  for (const t of rest) {
    console.log(`${t.file} (${t.engine}) against ${ref.file} (${ref.engine}): relative difference of each step's training loss`);
    const rel = t.losses.map((l, i) => Math.abs(l - ref.losses[i]) / Math.abs(ref.losses[i]));
    console.log(rel.map((r, i) => `${i + 1}:${r.toExponential(1)}`).join(' '));
    console.log(`validation loss after the epoch: ${t.valLoss?.toFixed(4)} vs ${ref.valLoss?.toFixed(4)}`);
  }
  process.exit(0);
}
const [data, outFile, strategy = 'ft', lrArg = '1e-4', optimizer = 'adam'] = args;
if (!data || !outFile) {
  console.error('usage: node --import tsx scripts/thread-sensitivity.ts <data> <out.json> [strategy] [lr] [adam|sgd] | --compare a.json b.json …');
  process.exit(2);
}
const info = await initEngine(engineFromEnv());
const lr = Number(lrArg);
const losses: number[] = [];
const out = mkdtempSync(join(tmpdir(), 'medft-threads-'));
const result = await runSpec(resolveRunSpec({
  data, model: 'resnet50', weights: 'imagenet', inputSize: 64, strategy, epochs: 4, lr,
  train: { batchSize: 16, seed: 0, optimizer: optimizer as 'adam' | 'sgd' },
  engine: { ...engineFromEnv(), replicas: 1, step: resolveStepEngine(engineFromEnv().step, engineFromEnv(), 1, 'MEDFT_ENGINE') },
}), { out, paths: pathsFromEnv(), stopAfterEpoch: 1, events: { onBatch: (b) => losses.push(b.loss) } });
rmSync(out, { recursive: true, force: true });
const trace: Trace = { engine: `${engineBanner(info)} · ${optimizer} ${lr}`, losses, valLoss: result.training.history[0]?.val?.loss ?? null };
writeFileSync(outFile, JSON.stringify(trace));
console.log(`${trace.engine}: ${losses.length} steps, first ${losses[0]}, last ${losses.at(-1)}, validation loss ${trace.valLoss}`);
