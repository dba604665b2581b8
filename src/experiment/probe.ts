/**
 * What `medft run --dry-run` measures for its time estimate, without writing anything: each dataset's split sizes
 * (as finetune splits it, capped by the cell's subset) and, per distinct (model, input size, batch size), the time of
 * a real train step and of the forward pass on random inputs, on the engine the workers would use.
 */
import { makeSplits, openDataset } from '../data/index.ts';
import { benchModel } from '../bench/model-bench.ts';
import { engineInfo, initEngine } from '../engine/index.ts';
import { dataKey, type Cell } from './cells.ts';
import { experimentDataPath, prepareDataset } from './data.ts';
import { probeKey, probeShape, type SplitSizes, type StepTimes } from './estimate.ts';
import type { EngineSettings } from '../engine/settings.ts';
import type { Paths } from '../paths.ts';
import { cellEngineSettings } from './cell-process.ts';
import { cellReplicas } from './run-cell.ts';
import { resolveStepEngine } from '../engine/whole-step/choice.ts';

/** `baseDir`: the experiment file's folder, which its relative paths are relative to. */
export async function measureSplitSizes(cells: Cell[], download: boolean, baseDir: string, paths: Paths): Promise<Map<string, SplitSizes>> {
  const out = new Map<string, SplitSizes>();
  for (const c of cells) {
    const key = dataKey(c);
    if (out.has(key)) continue;
    const d = c.config.dataset;
    // Without a subset prepareDataset only resolves the path; the subset is applied here as caps on the sizes.
    const ds = await openDataset(await prepareDataset(experimentDataPath(d.data, baseDir, paths), null, '', download, paths), { paths });
    try {
      const s = makeSplits(ds, { seed: c.config.seed });
      const cap = (n: number, max: number | undefined) => Math.min(n, max ?? n);
      out.set(key, { train: cap(s.train.length, d.subset?.train), val: cap(s.val.length, d.subset?.val), test: cap(s.test.length, d.subset?.test) });
    } finally {
      await ds.close();
    }
  }
  return out;
}

export interface Probe extends StepTimes { key: string; seconds: number }

/** Times warm-up + 2 train steps per shape (fewer when a step is slow: each probe stops after ~10 s). */
export async function probeStepTimes(cells: Cell[], workers: number, settings: EngineSettings, log: (s: string) => void): Promise<Map<string, Probe>> {
  // Each worker gets its share of the cores (accelerator threads or replicas); the probe runs with the same share.
  const engine = cellEngineSettings(settings, workers);
  await initEngine(engine);
  const out = new Map<string, Probe>();
  for (const c of cells) {
    const shape = probeShape(c);
    const key = probeKey(shape);
    if (out.has(key)) continue;
    log(`probing ${key} on backend ${engineInfo().backend} (accelerator ${engineInfo().accelerator}): warm-up + 2 train steps`);
    const t0 = performance.now();
    const r = await benchModel({ model: shape.model, size: shape.inputSize, batch: shape.batchSize, steps: 2, torch: false, torchThreads: 0, budgetSeconds: 10, replicas: cellReplicas(engine), skipMemoryCheck: engine.skipMemoryCheck, engine: resolveStepEngine(engine.step, engine, cellReplicas(engine), 'MEDFT_ENGINE') });
    out.set(key, {
      key,
      stepSeconds: shape.batchSize / r.trainImagesPerSec,
      // The forward part of the train steps: a little slower than the inference pass of evaluation, so an upper bound.
      forwardSecondsPerImage: 1 / r.forwardImagesPerSec,
      seconds: (performance.now() - t0) / 1000,
    });
  }
  return out;
}
