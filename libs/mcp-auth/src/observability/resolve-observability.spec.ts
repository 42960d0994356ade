import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import { DEFAULT_DURATION_BUCKETS, resolveHealth, resolveMetrics } from './resolve-observability.js';

describe('resolveMetrics (option metrics)', () => {
  it('is off unless given, and off with false', () => {
    expect(resolveMetrics(undefined, '/mcp', ['localhost'])).toBeUndefined();
    expect(resolveMetrics(false, '/mcp', ['localhost'])).toBeUndefined();
  });

  it("fills the defaults: /metrics on the application's server, prefix mcp_auth_, no process metrics", () => {
    expect(resolveMetrics({}, '/mcp', ['localhost'])).toEqual({
      path: '/metrics',
      host: '127.0.0.1',
      prefix: 'mcp_auth_',
      defaultMetrics: false,
      durationBuckets: DEFAULT_DURATION_BUCKETS,
      allowedHosts: ['localhost'],
    });
    expect(resolveMetrics({ port: 9464, host: '::1', path: '/internal/metrics' }, '/mcp', ['localhost'])).toMatchObject({
      port: 9464,
      host: '::1',
      path: '/internal/metrics',
    });
  });

  it.each([
    [{ port: 70000 }, 'metrics.port'],
    [{ port: 1.5 }, 'metrics.port'],
    [{ path: 'metrics' }, 'metrics.path'],
    [{ path: '/metrics/' }, 'metrics.path'],
    [{ path: '/mcp' }, 'metrics.path'],
    [{ host: '0.0.0.0' }, 'metrics.host'],
    [{ prefix: 'mcp-auth' }, 'metrics.prefix'],
    [{ defaultMetrics: 'yes' }, 'metrics.defaultMetrics'],
    [{ durationBuckets: [1, 0.5] }, 'metrics.durationBuckets'],
    [{ durationBuckets: [] }, 'metrics.durationBuckets'],
    [{ allowedHosts: 'metrics.internal' }, 'metrics.allowedHosts'],
    [{ allowedHosts: ['metrics.internal:9464'] }, 'metrics.allowedHosts'],
    [{ allowedHosts: ['http://metrics.internal'] }, 'metrics.allowedHosts'],
    ['on', 'metrics'],
  ])('refuses %j, naming %s', (metrics, option) => {
    const attempt = () => resolveMetrics(metrics as never, '/mcp', ['localhost']);
    expect(attempt).toThrow(McpAuthConfigurationError);
    expect(attempt).toThrow(`option "${option}"`);
  });

  it('adds metrics.allowedHosts (lower case) to the default host names', () => {
    expect(
      resolveMetrics({ allowedHosts: ['Metrics.Internal', 'localhost'] }, '/mcp', ['localhost', 'api.example.com'])?.allowedHosts,
    ).toEqual(['localhost', 'api.example.com', 'metrics.internal']);
  });

  it("may share the MCP endpoint's path on a port of its own", () => {
    expect(resolveMetrics({ port: 9464, path: '/mcp' }, '/mcp', ['localhost'])?.path).toBe('/mcp');
  });
});

describe('resolveHealth (option health)', () => {
  it('is off unless given; {} serves /healthz and /readyz, Redis not required', () => {
    expect(resolveHealth(undefined, '/mcp', undefined)).toBeUndefined();
    expect(resolveHealth(false, '/mcp', undefined)).toBeUndefined();
    expect(resolveHealth({}, '/mcp', undefined)).toEqual({ livenessPath: '/healthz', readinessPath: '/readyz', requireRedis: false });
  });

  it("refuses paths that would shadow the endpoint, the metrics on the application's server, or each other", () => {
    const metrics = resolveMetrics({}, '/mcp', ['localhost']);
    expect(() => resolveHealth({ livenessPath: '/mcp' }, '/mcp', undefined)).toThrow('option "health.livenessPath"');
    expect(() => resolveHealth({ readinessPath: '/metrics' }, '/mcp', metrics)).toThrow('option "health.readinessPath"');
    expect(() => resolveHealth({ livenessPath: '/ready', readinessPath: '/ready' }, '/mcp', undefined)).toThrow(
      'option "health.readinessPath"',
    );
    expect(resolveHealth({ readinessPath: '/metrics' }, '/mcp', resolveMetrics({ port: 9464 }, '/mcp', ['localhost']))?.readinessPath).toBe(
      '/metrics',
    );
  });

  it('refuses a requireRedis that is not a boolean', () => {
    expect(() => resolveHealth({ requireRedis: 'yes' as never }, '/mcp', undefined)).toThrow('option "health.requireRedis"');
  });
});
