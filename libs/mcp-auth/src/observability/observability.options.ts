/**
 * A Prometheus endpoint for the module's own counters (needs the `prom-client` package).
 * Off by default. `{}` serves `/metrics` on the application's own HTTP server, outside the
 * MCP endpoint's guards; with `port` it is served on a port of its own instead (loopback by
 * default), so it need not be reachable wherever the MCP endpoint is.
 *
 * @example
 * ```ts
 * McpAuthModule.forRoot({ issuer, resourceUrl, metrics: { port: 9464 } }) // http://127.0.0.1:9464/metrics
 * ```
 */
export interface McpMetricsOptions {
  /** The path the metrics are served at. Default `/metrics`. */
  path?: string;
  /** Serve on this port (a small `node:http` server, closed on shutdown) instead of the application's server. */
  port?: number;
  /** The address the own port listens on. Default `127.0.0.1`. Only with `port`. */
  host?: string;
  /** Prefix of every metric name. Default `mcp_auth_`. */
  prefix?: string;
  /** Also collect Node.js's process metrics (`prom-client`'s default metrics) into the module's registry. Default false. */
  defaultMetrics?: boolean;
  /** Buckets of the request-duration histogram, in seconds. Default 5 ms to 10 s. */
  durationBuckets?: number[];
  /**
   * Host names a scrape may be addressed to (the `Host` header), besides IP addresses, which
   * always may: a page of another name, rebound to this server's address, could read the
   * metrics otherwise (DNS rebinding). Default `localhost`, the host of `resourceUrl` and those
   * of `allowedOrigins`; add the name your Prometheus scrapes by, or `'*'` for any.
   */
  allowedHosts?: string[];
}

/**
 * Liveness and readiness endpoints for load balancers and orchestrators, answered before any
 * MCP logic, without authentication and never cached. Off by default (they would shadow
 * routes of the same paths in your application); `{}` serves `/healthz` and `/readyz`.
 */
export interface McpHealthOptions {
  /** Liveness: 200 while the process answers. Default `/healthz`. */
  livenessPath?: string;
  /**
   * Readiness: 200 once every JWKS issuer's signing keys were read at least once, 503 (with
   * the reason) before that and from the moment shutdown begins. Default `/readyz`.
   */
  readinessPath?: string;
  /**
   * With `redis` configured, also answer 503 while Redis is unreachable. Default false: the
   * module falls back when Redis is down (see docs/observability.md), so an instance without
   * Redis still serves, and a Redis outage does not take every replica out of the pool at once.
   */
  requireRedis?: boolean;
}

/** `metrics` after validation. */
export interface ResolvedMetricsOptions {
  readonly path: string;
  readonly port?: number;
  readonly host: string;
  readonly prefix: string;
  readonly defaultMetrics: boolean;
  readonly durationBuckets: readonly number[];
  /** With the defaults added. */
  readonly allowedHosts: readonly string[];
}

/** `health` after validation. */
export interface ResolvedHealthOptions {
  readonly livenessPath: string;
  readonly readinessPath: string;
  readonly requireRedis: boolean;
}
