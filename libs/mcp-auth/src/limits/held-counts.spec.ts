import { HeldCounts } from './held-counts.js';

describe('HeldCounts', () => {
  it('counts per key, gives back once per take, and forgets a key that holds nothing', () => {
    const counts = new HeldCounts();
    const first = counts.take('a');
    const second = counts.take('a');
    counts.take('b');
    expect([counts.of('a'), counts.of('b'), counts.of('c'), counts.total]).toEqual([2, 1, 0, 3]);
    first();
    first();
    expect([counts.of('a'), counts.total]).toEqual([1, 2]);
    second();
    expect(counts.of('a')).toBe(0);
    expect((counts as unknown as { counts: Map<string, number> }).counts.has('a')).toBe(false);
  });
});
