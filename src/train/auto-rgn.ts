/**
 * Auto-RGN's per-tensor learning rates (Lee et al. 2023): RGN_i = ‖g_i‖/‖w_i‖, averaged over the probe batches, and
 * multiplier_i = RGN_i / max_j RGN_j. A tensor whose norm is 0 (a freshly zero-initialised bias) has no relative
 * gradient norm: it keeps multiplier 1 and is left out of the max.
 */
export function l2norm(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** ‖g‖/‖w‖, or null when ‖w‖ = 0. */
export function relativeGradNorm(g: Float32Array, w: Float32Array): number | null {
  const wn = l2norm(w);
  return wn === 0 ? null : l2norm(g) / wn;
}

/** From each tensor's RGN per probe batch to its LR multiplier. */
export function rgnMultipliers(rgnPerBatch: Map<string, (number | null)[]>): Map<string, number> {
  const mean = new Map<string, number | null>();
  for (const [k, xs] of rgnPerBatch) mean.set(k, xs.some((x) => x == null) || xs.length === 0 ? null : xs.reduce((a, b) => a! + b!, 0)! / xs.length);
  let max = 0;
  for (const v of mean.values()) if (v != null && v > max) max = v;
  const out = new Map<string, number>();
  for (const [k, v] of mean) out.set(k, v == null || max === 0 ? 1 : v / max);
  return out;
}
