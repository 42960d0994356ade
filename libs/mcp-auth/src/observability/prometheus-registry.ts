/**
 * The module's Prometheus registry as its public types name it: at runtime a `prom-client` `Registry`. Declared
 * here rather than imported from `prom-client`, an optional peer, so that the package's declarations compile in
 * an application that does not install it (strict, `skipLibCheck: false`). Where `prom-client`'s own type is
 * wanted, cast: `Registry.merge([app.get(McpMetrics).registry as Registry, register])`.
 *
 * @example
 * ```ts
 * const { registry } = app.get(McpMetrics);
 * response.type(registry.contentType).send(await registry.metrics());
 * ```
 */
export interface PrometheusRegistry {
  /** The content type of the text exposition format, for the scrape response. */
  readonly contentType: string;
  /** Every metric in the text exposition format. */
  metrics(): Promise<string>;
  /** Every metric as JSON (`prom-client`'s `getMetricsAsJSON`). */
  getMetricsAsJSON(): Promise<unknown[]>;
}
