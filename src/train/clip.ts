/** Gradient clipping by global norm (PyTorch's clip_grad_norm_): every gradient scaled by clip/‖g‖ when ‖g‖ > clip. */
import type * as tf from '@tensorflow/tfjs-core';
import { floatsOf, tensorFromFill } from '../engine/index.ts';

/** Replaces the gradients in place (old tensors disposed) and returns the norm before clipping. */
export function clipGlobalNorm(grads: Record<string, tf.Tensor>, clip: number): number {
  let sq = 0;
  for (const g of Object.values(grads)) {
    const a = floatsOf(g);
    for (let i = 0; i < a.length; i++) sq += a[i] * a[i];
  }
  const norm = Math.sqrt(sq);
  if (!(norm > clip)) return norm;
  const s = clip / norm;
  for (const [k, g] of Object.entries(grads)) {
    const next = tensorFromFill(g.shape, (out) => {
      const a = floatsOf(g);
      for (let i = 0; i < a.length; i++) out[i] = a[i] * s;
    });
    g.dispose();
    grads[k] = next;
  }
  return norm;
}
