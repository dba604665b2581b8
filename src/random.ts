import seedrandom from 'seedrandom';

/** A seeded source of randomness: every random choice in medft (data order, augmentation, head init) comes from one. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** A 32-bit seed derived from this stream, for TF.js initialisers that take a numeric seed. */
  seed(): number;
}

export function createRng(seed: number | string): Rng {
  const prng = seedrandom(String(seed));
  return {
    next: () => prng.quick(),
    int: (n: number) => Math.floor(prng.quick() * n),
    seed: () => prng.int32() >>> 0,
  };
}

/** Fisher–Yates shuffle of 0..n-1, deterministic for the rng's state. */
export function shuffledIndices(n: number, rng: Rng): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx;
}
