import { HeldCounts } from './held-counts.js';

describe('HeldCounts', () => {
  it('counts per key, gives back once per take, and forgets a key that holds nothing', () => {
    const counts = new HeldCounts();
    const first = counts.take('a');
    const second = counts.take('a');
    counts.take('b');
    expect([counts.of('a'), counts.of('b'), counts.of('c')]).toEqual([2, 1, 0]);
    first();
    first();
    expect(counts.of('a')).toBe(1);
    second();
    expect(counts.of('a')).toBe(0);
    expect((counts as unknown as { counts: Map<string, number> }).counts.has('a')).toBe(false);
  });
});
