/** Exact binomial test and the sign test built on it. */
import { InputError } from '../errors.ts';
import { binomialPmf } from './distributions.ts';

export interface BinomialTest {
  successes: number;
  trials: number;
  p0: number;
  /**
   * Two-sided exact p-value: the total probability of all outcomes no more likely than the one observed (as R's
   * binom.test); for p0 = ½ this is 2·P(X ≤ min(k, n − k)), capped at 1.
   */
  p: number;
}

export function binomialTest(successes: number, trials: number, p0 = 0.5): BinomialTest {
  if (!Number.isInteger(trials) || trials < 0) throw new InputError(`binomial test: trials must be an integer ≥ 0, got ${trials}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new InputError(`binomial test: successes must be an integer in [0, ${trials}], got ${successes}`);
  }
  if (!(p0 > 0 && p0 < 1)) throw new InputError(`binomial test: p0 must be strictly between 0 and 1, got ${p0}`);
  if (trials === 0) return { successes, trials, p0, p: 1 };
  const observed = binomialPmf(successes, trials, p0);
  const bound = observed * (1 + 1e-7);
  let p = 0;
  for (let i = 0; i <= trials; i++) {
    const q = binomialPmf(i, trials, p0);
    if (q <= bound) p += q;
  }
  return { successes, trials, p0, p: Math.min(1, p) };
}

export interface SignTest {
  wins: number;
  losses: number;
  ties: number;
  /** Two-sided p of wins among wins + losses under Bin(wins + losses, ½); ties are left out. */
  p: number;
}

/** Sign test: are wins and losses (ties dropped) equally likely? */
export function signTest(wins: number, losses: number, ties = 0): SignTest {
  if (!Number.isInteger(ties) || ties < 0) throw new InputError(`sign test: ties must be an integer ≥ 0, got ${ties}`);
  if (!Number.isInteger(losses) || losses < 0) throw new InputError(`sign test: losses must be an integer ≥ 0, got ${losses}`);
  return { wins, losses, ties, p: binomialTest(wins, wins + losses, 0.5).p };
}
