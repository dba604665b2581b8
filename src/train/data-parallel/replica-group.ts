/**
 * Data parallelism inside one process for the wasm engine: the batch's rows are split over `ranks` engines — this
 * thread (rank 0) and ranks − 1 worker threads, each with its own wasm heap and a copy of the model — and their
 * gradients are summed. On pure wasm, which runs on one thread, this is how a step uses every core (measured on two
 * cores: 1.2–1.7× one engine's images/s; docs/performance.md says where the rest goes). With the oneDNN accelerator,
 * which already uses every core, it is how a batch too large for one 4 GiB wasm heap still trains: each engine then
 * runs its convolutions on its share of the accelerator's threads.
 *
 * The step is the same computation as on one engine, up to float rounding: each rank's loss is its rows' share of
 * the batch's (divided by the whole batch's count), BatchNorm normalises with the whole batch's statistics (channel
 * sums added over the ranks, src/engine/ops/batch-norm-training.ts), and the gradients are added. Only rank 0 keeps
 * optimizer state; before each step it publishes every weight, which the replicas copy in. Dropout masks are drawn
 * by each rank, so a model with dropout trains on different (equally random) masks than on one engine.
 */
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  DEFAULT_ENGINE_SETTINGS, engineInfo, floatsOf, setAcceleratorThreads, simdAddInto, tensorFromFill, type EngineSettings, type WasmBackend,
} from '../../engine/index.ts';
import { ResourceError, UsageError } from '../../errors.ts';
import type { ModelSpec } from '../../models/index.ts';
import type { DataParallel, GradientStep, StepGradients } from './data-parallel.ts';
import { gradientsHere } from './one-engine.ts';
import { modelVariables, publishWeights, shardGradients, type Shard } from './rank-step.ts';
import { notWasm } from './replica-count.ts';
import type { FromReplica, ReplicaInit, ReplicaStepMessage } from './replica-thread.ts';
import { createChannelBuffers, SharedChannel } from './shared-channel.ts';

/** Room for the channel sums of the widest BatchNorm (2 × channels + 1). */
const SMALL_REDUCE_CAPACITY = 2 * 4096 + 1;

function dropoutRate(model: tfl.LayersModel): number {
  const layer = model.layers.find((l) => l.getClassName() === 'Dropout');
  return layer ? ((layer.getConfig().rate as number | undefined) ?? 0) : 0;
}

/** Row ranges [start, end) per rank, as even as possible, rank 0 first. */
export function shardRows(rows: number, ranks: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = 0;
  for (let r = 0; r < ranks; r++) {
    const n = Math.floor(rows / ranks) + (r < rows % ranks ? 1 : 0);
    out.push([start, start + n]);
    start += n;
  }
  return out;
}

/**
 * sum = own + areas[0] + areas[1] + … (in rank order; float addition commutes, so copying areas[0] in first and
 * adding own gives the same bits): a memcpy and a SIMD pass over the heap, ~6× faster than a JS loop reading the
 * SharedArrayBuffer.
 */
function addAreas(sum: Float32Array, own: Float32Array, areas: Float32Array[], from: number): void {
  const n = sum.length;
  sum.set(areas[0].subarray(from, from + n));
  simdAddInto(tf.backend() as unknown as WasmBackend, sum, own);
  for (let r = 1; r < areas.length; r++) {
    const area = areas[r];
    for (let i = 0; i < n; i++) sum[i] += area[from + i];
  }
}

export class ReplicaGroup implements DataParallel {
  private readonly variables: tf.Variable[];
  private readonly indexOf: Map<tf.Variable, number>;
  private closed = false;
  private failure: string | null = null;

  private constructor(readonly model: tfl.LayersModel, private readonly channel: SharedChannel, private readonly workers: Worker[],
    private readonly acceleratorThreads: number) {
    this.variables = modelVariables(model);
    this.indexOf = new Map(this.variables.map((v, i) => [v, i]));
    for (const w of workers) {
      w.on('message', (m: FromReplica) => { if (m.type === 'error') this.failure ??= m.message; });
      w.on('error', (e) => { this.failure ??= e.message; channel.abort(); });
    }
  }

  get ranks(): number {
    return this.channel.ranks;
  }

  /**
   * Starts ranks − 1 replica threads, each building `spec`'s model; rank 0 is the caller with `model`. `seed` seeds
   * the replicas' dropout masks (each rank its own).
   */
  static async start(model: tfl.LayersModel, spec: ModelSpec, ranks: number, seed = 0): Promise<ReplicaGroup> {
    if (!Number.isInteger(ranks) || ranks < 2) throw new UsageError(`replicas must be an integer ≥ 2 (got ${ranks})`);
    const engine = engineInfo();
    if (engine.backend !== 'wasm') throw notWasm(engine);
    // With the accelerator each engine (rank 0 too) runs oneDNN on its share of the threads; closing gives them back.
    const accelerated = engine.accelerator === 'onednn';
    const threadsEach = Math.max(1, Math.floor(engine.acceleratorThreads / ranks));
    // Each replica's engine: wasm, with rank 0's accelerator and Winograd choice on its share of the threads.
    const settings: EngineSettings = {
      ...DEFAULT_ENGINE_SETTINGS, backend: 'wasm',
      ...(accelerated ? { accelerator: 'onednn', acceleratorThreads: threadsEach, winograd: engine.acceleratorWinograd } : { accelerator: 'none' }),
    };
    const variables = modelVariables(model);
    const floats = variables.reduce((a, v) => a + v.size, 0);
    const buffers = createChannelBuffers(ranks, floats, floats, SMALL_REDUCE_CAPACITY);
    const channel = new SharedChannel(buffers, 0);
    // Compiled into dist/ (scripts/build-js.mjs), the thread's module is a .js sibling that needs no TypeScript loader;
    // from the sources, the worker registers tsx itself (a --import in a worker's execArgv comes too late for its entry).
    const compiled = import.meta.url.endsWith('.js');
    const entry = new URL(compiled ? './replica-thread.js' : './replica-thread.ts', import.meta.url).href;
    const boot = compiled ? `import(${JSON.stringify(entry)})`
      : `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
    const weights = model.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[] }));
    const options = { numClasses: spec.numClasses, inputSize: spec.inputSize, includeTop: spec.includeTop, alpha: spec.alpha, dropout: dropoutRate(model) };
    const workers: Worker[] = [];
    const ready: Promise<void>[] = [];
    for (let rank = 1; rank < ranks; rank++) {
      const init: ReplicaInit = { rank, buffers, model: spec.name, options: { ...options, seed: seed + 1000 * rank }, weights, engine: settings };
      const w = new Worker(boot, { eval: true, workerData: init });
      w.unref();
      workers.push(w);
      ready.push(new Promise((resolve, reject) => {
        w.once('message', (m: FromReplica) => (m.type === 'ready' ? resolve() : reject(new ResourceError(`replica ${rank} did not start: ${m.message}`))));
        w.once('error', (e) => reject(new ResourceError(`replica ${rank} did not start: ${e.message}`)));
      }));
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    if (accelerated) setAcceleratorThreads(threadsEach);
    return new ReplicaGroup(model, channel, workers, accelerated ? engine.acceleratorThreads : 0);
  }

  /**
   * Loss and summed gradients of the step's batch over all ranks, for its variables (variables of the group's model).
   * A batch with fewer rows than ranks, or another net's, runs on rank 0 alone.
   */
  gradients(step: GradientStep): StepGradients {
    if (step.net !== this.model) return gradientsHere(step);
    if (this.closed) throw new Error('the replica group is closed');
    if (this.failure) throw new ResourceError(`a data-parallel replica failed: ${this.failure}`);
    const { variables, batch, numClasses, classWeights, onForward } = step;
    const rows = batch.shape[0];
    if (rows < this.ranks) return gradientsHere(step);
    const pixels = batch.x.length / rows;
    const cw = classWeights ? [...classWeights] : undefined;
    let denominator = rows;
    if (cw) { denominator = 0; for (const y of batch.y) denominator += cw[y]; }
    const shard = ([a, b]: [number, number]): Shard => ({
      x: batch.x.slice(a * pixels, b * pixels), shape: [b - a, ...batch.shape.slice(1)], y: batch.y.slice(a, b),
      numClasses, classWeights: cw, denominator,
    });
    const ranges = shardRows(rows, this.ranks);
    const t0 = performance.now();
    publishWeights(this.variables, this.channel.weights);
    const trainable = this.model.layers.map((l) => l.trainable);
    const indices = variables.map((v) => {
      const i = this.indexOf.get(v);
      if (i == null) throw new Error(`variable ${v.name} is not a weight of the replicated model`);
      return i;
    });
    this.workers.forEach((w, i) => w.postMessage({ type: 'step', shard: shard(ranges[i + 1]), trainable, variables: indices } satisfies ReplicaStepMessage));
    let mine: { loss: tf.Scalar; grads: tf.NamedTensorMap };
    const t1 = performance.now();
    const waited0 = this.channel.waitedMs;
    let t2 = t1;
    let syncWait = 0;
    try {
      mine = shardGradients(this.model, variables, shard(ranges[0]), this.channel, onForward);
      t2 = performance.now();
      syncWait = this.channel.waitedMs - waited0;
      this.channel.barrier();
    } catch (e) {
      this.channel.abort();
      if (this.failure) throw new ResourceError(`a data-parallel replica failed: ${this.failure}`);
      throw e;
    }
    // The replicas' gradients are added to rank 0's, in rank order, into new tensors (a gradient tensor may share
    // its data with another tensor of the tape, so it is not written in place).
    const t3 = performance.now();
    let loss = mine.loss.dataSync()[0];
    const areas = Array.from({ length: this.ranks - 1 }, (_, i) => this.channel.gradArea(i + 1));
    for (const area of areas) loss += area[area.length - 1];
    let o = 0;
    for (const v of variables) {
      const g = mine.grads[v.name];
      if (g) {
        const from = o;
        mine.grads[v.name] = tensorFromFill(g.shape, (sum) => addAreas(sum, floatsOf(g), areas, from));
        g.dispose();
      }
      o += v.size;
    }
    mine.loss.dispose();
    return { loss, grads: mine.grads, split: { publish: t1 - t0, syncWait, wait: t3 - t2, sum: performance.now() - t3 } };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.acceleratorThreads) setAcceleratorThreads(this.acceleratorThreads);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
