/**
 * How many of something each key holds right now: authentications in flight per address,
 * sessions or listen streams per subject. A key holding nothing takes no memory.
 */
export class HeldCounts {
  private readonly counts = new Map<string, number>();
  private sum = 0;

  /** What every key holds together. */
  get total(): number {
    return this.sum;
  }

  /** What `key` holds now. */
  of(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** Counts one more for `key`; returns the function that gives it back (idempotent). */
  take(key: string): () => void {
    this.counts.set(key, this.of(key) + 1);
    this.sum++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.sum--;
      const left = this.of(key) - 1;
      if (left > 0) this.counts.set(key, left);
      else this.counts.delete(key);
    };
  }
}
