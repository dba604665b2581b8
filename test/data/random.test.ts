/** The seeded random source: reproducible per seed, different across seeds, shuffles that are permutations. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng, shuffledIndices } from '../../src/random.ts';

describe('createRng / shuffledIndices', () => {
  it('the same seed gives the same stream, another seed another', () => {
    const draw = (seed: number | string) => {
      const r = createRng(seed);
      return [r.next(), r.next(), r.int(1000), r.seed()];
    };
    assert.deepEqual(draw(42), draw(42));
    assert.deepEqual(draw('42'), draw(42), 'numeric and string seeds name the same stream');
    assert.notDeepEqual(draw(42), draw(43));
  });

  it('next() is uniform in [0, 1) and int(n) in [0, n)', () => {
    const r = createRng(1);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 20000; i++) {
      const u = r.next();
      assert.ok(u >= 0 && u < 1);
      counts[r.int(10)]++;
    }
    // each bucket expects 2000; 5 sd of a binomial(20000, 0.1) is ~212
    for (const c of counts) assert.ok(Math.abs(c - 2000) < 212, `bucket count ${c}`);
  });

  it('shuffles are permutations, reproducible per seed', () => {
    const a = shuffledIndices(100, createRng(5));
    assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
    assert.deepEqual(a, shuffledIndices(100, createRng(5)));
    assert.notDeepEqual(a, shuffledIndices(100, createRng(6)));
  });
});
