/** Ranks with ties: the shared helper of the AUC, Wilcoxon and Friedman computations. */

/**
 * 1-based ranks of `values` in ascending order; tied values all get the mean of the ranks they span
 * (e.g. [10, 20, 20, 30] → [1, 2.5, 2.5, 4]). Also returns the tie group sizes (only groups of 2 or more).
 */
export function midRanks(values: ArrayLike<number>): { ranks: Float64Array; tieSizes: number[] } {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(n);
  const tieSizes: number[] = [];
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && values[order[j]] === values[order[i]]) j++;
    const r = (i + 1 + j) / 2; // mean of ranks i+1 .. j
    for (let m = i; m < j; m++) ranks[order[m]] = r;
    if (j - i > 1) tieSizes.push(j - i);
    i = j;
  }
  return { ranks, tieSizes };
}
