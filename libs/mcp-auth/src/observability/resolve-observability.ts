import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import { optionalBoolean } from '../option-validation.js';
import type { McpHealthOptions, McpMetricsOptions, ResolvedHealthOptions, ResolvedMetricsOptions } from './observability.options.js';

/** Request durations, in seconds: 5 ms (a cached token, a listing) to 10 s (a slow tool). */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const METRIC_PREFIX = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** A DNS name (or `*`), as a `Host` header names it without its port. */
const HOST_NAME = /^(\*|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*)$/;

/**
 * `metrics`: off unless given; the path, port and prefix checked once at startup.
 * `defaultHosts` are the names a scrape may always be addressed to (see `defaultAllowedHosts`).
 */
export function resolveMetrics(
  metrics: McpMetricsOptions | false | undefined,
  endpointPath: string,
  defaultHosts: readonly string[],
): ResolvedMetricsOptions | undefined {
  if (metrics === undefined || metrics === false) return undefined;
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) {
    throw new McpAuthConfigurationError('metrics', 'must be an object such as { path: "/metrics" } or { port: 9464 }, or false');
  }
  const path = routePath('metrics.path', metrics.path, '/metrics');
  const port = metrics.port;
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new McpAuthConfigurationError('metrics.port', `must be a port number from 0 to 65535 (got ${JSON.stringify(port)})`);
  }
  if (port === undefined && path === endpointPath) {
    throw new McpAuthConfigurationError('metrics.path', `must differ from the MCP endpoint's path ${endpointPath}`);
  }
  if (metrics.host !== undefined && port === undefined) {
    throw new McpAuthConfigurationError('metrics.host', 'applies to the own port only: give metrics.port too');
  }
  const host = metrics.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.trim() === '')
    throw new McpAuthConfigurationError('metrics.host', 'must be an address to listen on');
  const prefix = metrics.prefix ?? 'mcp_auth_';
  if (typeof prefix !== 'string' || !METRIC_PREFIX.test(prefix)) {
    throw new McpAuthConfigurationError(
      'metrics.prefix',
      `must be a Prometheus metric name prefix like mcp_auth_ (got ${JSON.stringify(prefix)})`,
    );
  }
  const defaultMetrics = optionalBoolean('metrics.defaultMetrics', metrics.defaultMetrics ?? undefined, false);
  const durationBuckets = metrics.durationBuckets ?? DEFAULT_DURATION_BUCKETS;
  if (
    !Array.isArray(durationBuckets) ||
    durationBuckets.length === 0 ||
    durationBuckets.some(
      (bucket, i) => typeof bucket !== 'number' || !(bucket > 0) || !Number.isFinite(bucket) || (i > 0 && bucket <= durationBuckets[i - 1]),
    )
  ) {
    throw new McpAuthConfigurationError('metrics.durationBuckets', 'must be increasing positive numbers of seconds, e.g. [0.01, 0.1, 1]');
  }
  const allowedHosts = metrics.allowedHosts ?? [];
  if (!Array.isArray(allowedHosts) || allowedHosts.some((name) => typeof name !== 'string' || !HOST_NAME.test(name))) {
    throw new McpAuthConfigurationError(
      'metrics.allowedHosts',
      `must be host names without port, like ['metrics.internal'], or ['*'] (got ${JSON.stringify(allowedHosts)})`,
    );
  }
  return {
    path,
    ...(port !== undefined ? { port } : {}),
    host,
    prefix,
    defaultMetrics,
    durationBuckets: [...durationBuckets],
    allowedHosts: [...new Set([...defaultHosts, ...allowedHosts.map((name) => name.toLowerCase())])],
  };
}

/** `health`: off unless given; its paths must not shadow the MCP endpoint, the metrics or each other. */
export function resolveHealth(
  health: McpHealthOptions | false | undefined,
  endpointPath: string,
  metrics: ResolvedMetricsOptions | undefined,
): ResolvedHealthOptions | undefined {
  if (health === undefined || health === false) return undefined;
  if (typeof health !== 'object' || health === null || Array.isArray(health)) {
    throw new McpAuthConfigurationError(
      'health',
      'must be an object such as { livenessPath: "/healthz", readinessPath: "/readyz" }, or false',
    );
  }
  const livenessPath = routePath('health.livenessPath', health.livenessPath, '/healthz');
  const readinessPath = routePath('health.readinessPath', health.readinessPath, '/readyz');
  const taken = new Map<string, string>([[endpointPath, "the MCP endpoint's path"]]);
  if (metrics && metrics.port === undefined) taken.set(metrics.path, 'metrics.path');
  for (const [option, path] of [
    ['health.livenessPath', livenessPath],
    ['health.readinessPath', readinessPath],
  ] as const) {
    const other = taken.get(path);
    if (other) throw new McpAuthConfigurationError(option, `must differ from ${other} (${path})`);
    taken.set(path, option);
  }
  const requireRedis = optionalBoolean('health.requireRedis', health.requireRedis ?? undefined, false);
  return { livenessPath, readinessPath, requireRedis };
}

function routePath(option: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\/[A-Za-z0-9._~\-/]*$/.test(value) || value === '/' || value.endsWith('/')) {
    throw new McpAuthConfigurationError(
      option,
      `must be an absolute path like ${fallback}, without trailing slash (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}
