/**
 * A data-parallel replica: a worker thread with its own wasm engine and its own copy of the model. Per step it takes
 * rank 0's weights from the shared channel, computes the gradients of its rows (BatchNorm synchronised over the
 * ranks), writes them and its loss to its gradient area, and meets the other ranks at the channel's barrier.
 */
import * as tf from '@tensorflow/tfjs-core';
import { parentPort, workerData } from 'node:worker_threads';
import { floatsOf, initEngine, type EngineSettings } from '../../engine/index.ts';
import { buildModel, type CreateModelOptions } from '../../models/index.ts';
import { adoptWeights, modelVariables, shardGradients, type Shard } from './rank-step.ts';
import { SharedChannel, type SharedChannelBuffers } from './shared-channel.ts';

export interface ReplicaInit {
  rank: number;
  buffers: SharedChannelBuffers;
  model: string;
  options: CreateModelOptions;
  /** Rank 0's weights in model order, to check that the replica built the same model. */
  weights: Array<{ name: string; shape: number[] }>;
  /** How to start this thread's engine (wasm; rank 0's accelerator choice on this replica's share of the threads). */
  engine: EngineSettings;
}

export interface ReplicaStepMessage {
  type: 'step';
  shard: Shard;
  /** Per layer, in model order. */
  trainable: boolean[];
  /** Indices into the model's weights of the variables to differentiate, in the order of the gradient area. */
  variables: number[];
}

export type FromReplica = { type: 'ready' } | { type: 'error'; message: string };

const init = workerData as ReplicaInit;
const port = parentPort!;
const channel = new SharedChannel(init.buffers, init.rank);
// However this thread ends, ranks waiting for it must not wait forever.
process.on('exit', () => channel.abort());

try {
  await initEngine(init.engine);
  const { model } = buildModel(init.model, init.options);
  const all = modelVariables(model);
  const names = model.weights.map((w) => `${w.originalName} ${JSON.stringify(w.shape)}`);
  const expected = init.weights.map((w) => `${w.name} ${JSON.stringify(w.shape)}`);
  if (names.join('\n') !== expected.join('\n')) {
    throw new Error(`the replica's ${init.model} does not have rank 0's weights (${names.length} vs ${expected.length} tensors)`);
  }
  port.on('message', (m: ReplicaStepMessage) => {
    try {
      adoptWeights(all, channel.weights);
      model.layers.forEach((l, i) => { l.trainable = m.trainable[i]; });
      const variables = m.variables.map((i) => all[i]);
      const { loss, grads } = shardGradients(model, variables, m.shard, channel);
      const area = channel.gradArea(init.rank);
      let o = 0;
      for (const v of variables) {
        const g = grads[v.name];
        if (g) area.set(floatsOf(g), o);
        o += v.size;
      }
      area[area.length - 1] = loss.dataSync()[0];
      tf.dispose([loss, ...Object.values(grads)]);
      channel.barrier();
    } catch (e) {
      channel.abort();
      port.postMessage({ type: 'error', message: (e as Error).message } satisfies FromReplica);
    }
  });
  port.postMessage({ type: 'ready' } satisfies FromReplica);
} catch (e) {
  port.postMessage({ type: 'error', message: (e as Error).message } satisfies FromReplica);
}
