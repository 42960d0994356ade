import { RecentlyUsedMap } from './recently-used-map.js';

describe('RecentlyUsedMap', () => {
  it('never holds more than maxEntries, whatever the pattern of use', () => {
    for (const maxEntries of [1, 2, 3, 4, 7, 100]) {
      const map = new RecentlyUsedMap<number, number>(maxEntries);
      for (let i = 0; i < 1000; i++) {
        map.set(i % 37 === 0 ? i - 1 : i, i);
        map.get(i % 5);
        expect(map.size).toBeLessThanOrEqual(maxEntries);
      }
    }
  });

  it('evicts the least recently used first and keeps what is read', () => {
    const map = new RecentlyUsedMap<string, number>(4);
    for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) map.set(key, i);
    expect(map.get('a')).toBe(0);
    map.set('e', 4);
    expect(map.get('a')).toBe(0);
    expect(map.has('b')).toBe(false);
    expect(map.keys().sort()).toEqual(['a', 'c', 'd', 'e']);
  });

  it('replaces a value without growing, and deletes from either generation', () => {
    const map = new RecentlyUsedMap<string, number>(4);
    map.set('a', 1);
    map.set('b', 2);
    map.set('c', 3); // a and b are now the old generation
    map.set('a', 10);
    expect(map.size).toBe(3);
    expect(map.get('a')).toBe(10);
    map.delete('b');
    map.delete('c');
    expect(map.keys()).toEqual(['a']);
  });

  it('deletes what a predicate picks', () => {
    const map = new RecentlyUsedMap<string, number>(10);
    for (let i = 0; i < 8; i++) map.set(`k${i}`, i);
    map.deleteWhere((value) => value % 2 === 0);
    expect(map.keys().sort()).toEqual(['k1', 'k3', 'k5', 'k7']);
  });
});
