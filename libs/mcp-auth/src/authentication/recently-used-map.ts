/**
 * A map of at most `maxEntries` entries that evicts the least recently used ones
 * first, approximately and in O(1): entries live in a young and an old generation; a
 * full young generation becomes the old one and the previous old one is dropped
 * whole; reading an old entry carries it into the young generation.
 *
 * Why not one `Map` evicted oldest-first: deleting from the front of a JavaScript `Map`
 * leaves holes that every `keys().next()` walks over again, which cost about 9 µs per
 * insert once a 10,000-entry cache was full.
 */
export class RecentlyUsedMap<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly generationSize: number;

  constructor(private readonly maxEntries: number) {
    this.generationSize = Math.max(1, Math.floor(maxEntries / 2));
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  has(key: K): boolean {
    return this.young.has(key) || this.old.has(key);
  }

  /** The value of `key`, marking it as recently used. */
  get(key: K): V | undefined {
    const value = this.young.get(key);
    if (value !== undefined || !this.old.has(key)) return value;
    const carried = this.old.get(key)!;
    this.old.delete(key);
    this.insert(key, carried);
    return carried;
  }

  set(key: K, value: V): void {
    if (this.young.has(key)) this.young.set(key, value);
    else {
      this.old.delete(key);
      this.insert(key, value);
    }
  }

  delete(key: K): void {
    if (!this.young.delete(key)) this.old.delete(key);
  }

  /** Deletes every entry `predicate` picks. */
  deleteWhere(predicate: (value: V) => boolean): void {
    for (const generation of [this.young, this.old]) {
      for (const [key, value] of generation) if (predicate(value)) generation.delete(key);
    }
  }

  /** Every key, young generation first (for tests and inspection). */
  keys(): K[] {
    return [...this.young.keys(), ...this.old.keys()];
  }

  private insert(key: K, value: V): void {
    if (this.young.size >= this.generationSize) {
      // With maxEntries 1 there is room for one generation only.
      this.old = 2 * this.generationSize <= this.maxEntries ? this.young : new Map();
      this.young = new Map();
    }
    this.young.set(key, value);
  }
}
