/** medft's new-task head: global average pooling → optional dropout → dense(numClasses) giving logits. */
import { SeededDropout } from './dropout-layer.ts';
import { dense, globalAvgPool, type Sym } from './layers.ts';

export const HEAD_LAYERS = { pool: 'medft_head_pool', dropout: 'medft_head_dropout', dense: 'medft_head_dense' } as const;

export function newHead(features: Sym, numClasses: number, dropout: number, seed?: number): Sym {
  let x = globalAvgPool(features, HEAD_LAYERS.pool);
  if (dropout > 0) x = new SeededDropout({ name: HEAD_LAYERS.dropout, rate: dropout, seed: seed ?? 0 }).apply(x) as Sym;
  return dense(x, HEAD_LAYERS.dense, numClasses, 'linear', seed);
}
