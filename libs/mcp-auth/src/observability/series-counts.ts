/** One series of a counter: its label values and its count so far. */
export interface Series {
  readonly labels: Readonly<Record<string, string>>;
  count: number;
}

/**
 * A counter's series kept as plain numbers, bumped per event and handed to `prom-client`
 * only when Prometheus scrapes. `prom-client`'s own `inc`, even on a child bound with
 * `labels()`, hashes and validates the labels on every call (about 350 ns); a bound series
 * here costs a map lookup the first time per request and an add.
 */
export class SeriesCounts {
  private readonly series = new Map<string, Series>();

  /** The series of `key` (the label values joined), created with `labels()` the first time. */
  of(key: string, labels: () => Record<string, string>): Series {
    let series = this.series.get(key);
    if (series === undefined) {
      series = { labels: labels(), count: 0 };
      this.series.set(key, series);
    }
    return series;
  }

  /** Writes every count into a `prom-client` counter (called from its `collect`, at scrape time). */
  writeTo(counter: { reset(): void; inc(labels: Record<string, string>, value: number): void }): void {
    counter.reset();
    for (const { labels, count } of this.series.values()) counter.inc({ ...labels }, count);
  }
}
