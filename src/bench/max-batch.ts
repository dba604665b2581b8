/**
 * `medft bench --model M --size S --max-batch`: the largest batch whose train step fits the wasm heap, found by
 * running single steps in child processes (a wasm heap that runs out aborts its process, so each try needs its own):
 * doubling until a step fails, then bisecting. With replicas, each engine holds its share of the batch.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ResourceError } from '../errors.ts';

const bin = fileURLToPath(new URL('../../bin/medft.js', import.meta.url));

export interface BatchTrial {
  batch: number;
  fits: boolean;
  wasmHeapBytes: number | null;
  trainImagesPerSec: number | null;
}

function tryBatch(model: string, size: number, replicas: number, batch: number): BatchTrial {
  const r = spawnSync(process.execPath, [bin, 'bench', '--model', model, '--size', String(size), '--batch', String(batch),
    '--steps', '1', '--no-torch', '--json', '--backend', 'wasm', '--replicas', String(replicas),
    '--skip-memory-check'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    // A single image always fits a heap that can hold the model: a failure there is something else, said as it is.
    if (batch === 1) throw new ResourceError(`${model} at ${size} px: a train step at batch 1 failed: ${(r.stderr || r.error?.message || '').trim().split('\n').at(-1)}`);
    return { batch, fits: false, wasmHeapBytes: null, trainImagesPerSec: null };
  }
  const out = JSON.parse(r.stdout) as { wasmHeapBytes: number; trainImagesPerSec: number };
  return { batch, fits: true, wasmHeapBytes: out.wasmHeapBytes, trainImagesPerSec: out.trainImagesPerSec };
}

export function findMaxBatch(model: string, size: number, replicas: number, log: (t: BatchTrial) => void): { maxBatch: number; trials: BatchTrial[] } {
  const trials: BatchTrial[] = [];
  const run = (b: number) => {
    const t = tryBatch(model, size, replicas, b);
    trials.push(t);
    log(t);
    return t.fits;
  };
  let good = 0;
  let bad = 0;
  for (let b = 1; ; b *= 2) {
    if (run(b)) good = b;
    else {
      bad = b;
      break;
    }
    if (b >= 1024) return { maxBatch: b, trials };
  }
  while (bad - good > 1) {
    const mid = Math.floor((good + bad) / 2);
    if (run(mid)) good = mid;
    else bad = mid;
  }
  return { maxBatch: good, trials };
}
