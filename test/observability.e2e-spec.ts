import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { McpMetrics, McpReadiness, MetricsServer } from 'nestjs-mcp-auth';
import { GatedTools } from './support/gated-tools.js';
import { freePort, openSession, post, rpc, startExample, startHarness } from './support/harness.js';
import type { Harness } from './support/harness.js';
import { newSigningKey, signToken, startJwksServer } from './support/jwks-server.js';
import type { JwksServer } from './support/jwks-server.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { modernCall, modernHeaders } from './support/modern.js';
import { parseExposition, valueOf } from './support/prometheus.js';
import type { Sample } from './support/prometheus.js';

async function scrape(url: string): Promise<{ text: string; samples: Sample[]; response: Response }> {
  const response = await fetch(url);
  const text = await response.text();
  return { text, samples: parseExposition(text), response };
}

/** Every label value of every sample: what must never carry a token, a subject or a session. */
function labelValues(samples: Sample[]): string[] {
  return [...new Set(samples.flatMap((sample) => Object.values(sample.labels)))];
}

/** Polls `url` until it answers `status`; bounded in count and time. */
async function untilStatus(url: string, status: number, timeoutMs = 15_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let last: Response | undefined;
  for (let attempt = 0; attempt < 300 && Date.now() < deadline; attempt++) {
    last = await fetch(url);
    if (last.status === status) return last;
    await last.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last?.status})`);
}

describe('metrics through the example (MCP_METRICS=true, MCP_HEALTH=true)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ MCP_METRICS: 'true', MCP_HEALTH: 'true' });
  });
  afterAll(() => h?.close());

  it('counts a known sequence of 401, 403 and 200 on both eras by era, method, status, decision and reason, and no label names a caller', async () => {
    // 401 without a token, 401 with an expired one (its signature is checked first: the JWKS is read).
    expect((await post(h.resourceUrl, rpc.listTools())).status).toBe(401);
    const expired = await h.forge(h.claims({ exp: Math.floor(Date.now() / 1000) - 600 }));
    expect((await post(h.resourceUrl, rpc.listTools(), { token: expired })).status).toBe(401);

    // 2025 era on a session: initialize, initialized, a call without the scope (403), a call with it (200).
    const reader = await h.token('demo-reader', 'User.Read');
    const sessionId = await openSession(h.resourceUrl, reader);
    const onSession = { token: reader, headers: { 'mcp-session-id': sessionId } };
    expect((await post(h.resourceUrl, rpc.callTool('delete_product', { id: 1 }), onSession)).status).toBe(403);
    const legacyOk = await post(h.resourceUrl, rpc.callTool('list_products'), onSession);
    expect(legacyOk.status).toBe(200);
    await legacyOk.text();

    // 2026-07-28: the same pair.
    const modern403 = await post(h.resourceUrl, modernCall('delete_product', 7, { id: 1 }), {
      token: reader,
      headers: modernHeaders('tools/call', 'delete_product'),
    });
    expect(modern403.status).toBe(403);
    const modernOk = await post(h.resourceUrl, modernCall('list_products', 8), {
      token: reader,
      headers: modernHeaders('tools/call', 'list_products'),
    });
    expect(modernOk.status).toBe(200);
    await modernOk.text();

    // One scrape, after the last answer was sent.
    const { text, samples, response } = await scrape(`${h.baseUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.headers.get('cache-control')).toBe('no-store');

    const requests = (labels: Record<string, string>) => valueOf(samples, 'mcp_auth_requests_total', { http_method: 'POST', ...labels });
    expect(requests({ era: 'none', method: 'none', status: '401' })).toBe(2);
    expect(requests({ era: 'legacy', method: 'initialize', status: '200' })).toBe(1);
    expect(requests({ era: 'legacy', method: 'notifications/initialized', status: '202' })).toBe(1);
    expect(requests({ era: 'legacy', method: 'tools/call', status: '403' })).toBe(1);
    expect(requests({ era: 'legacy', method: 'tools/call', status: '200' })).toBe(1);
    expect(requests({ era: 'modern', method: 'tools/call', status: '403' })).toBe(1);
    expect(requests({ era: 'modern', method: 'tools/call', status: '200' })).toBe(1);
    expect(valueOf(samples, 'mcp_auth_requests_total')).toBe(8);
    expect(valueOf(samples, 'mcp_auth_request_duration_seconds_count', { era: 'modern', method: 'tools/call' })).toBe(2);
    expect(valueOf(samples, 'mcp_auth_request_duration_seconds_count', { era: 'legacy', method: 'tools/call' })).toBe(2);

    expect(valueOf(samples, 'mcp_auth_authentications_total', { outcome: 'denied', reason: 'missing_token' })).toBe(1);
    expect(valueOf(samples, 'mcp_auth_authentications_total', { outcome: 'denied', reason: 'expired' })).toBe(1);
    expect(valueOf(samples, 'mcp_auth_authentications_total', { outcome: 'allowed', reason: 'none' })).toBe(6);

    const decisions = (outcome: string, reason: string) =>
      valueOf(samples, 'mcp_auth_authorization_decisions_total', { action: 'tools/call', outcome, reason });
    expect(decisions('denied', 'insufficient_scope')).toBe(2);
    expect(decisions('allowed', 'none')).toBe(2);

    // The signing keys were read from the provider (once at startup for readiness, at least), never failing.
    expect(valueOf(samples, 'mcp_auth_jwks_fetches_total', { issuer: h.idp.issuer, result: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'mcp_auth_jwks_fetches_total', { result: 'error' })).toBe(0);
    expect(valueOf(samples, 'mcp_auth_jwks_keys_loaded', { issuer: h.idp.issuer })).toBe(1);
    // The reader's token was verified once (a miss), then answered from the cache on each of its other 5 requests;
    // the expired token missed too.
    expect(valueOf(samples, 'mcp_auth_cache_lookups_total', { cache: 'verified_token', result: 'miss' })).toBe(2);
    expect(valueOf(samples, 'mcp_auth_cache_lookups_total', { cache: 'verified_token', result: 'hit' })).toBe(5);

    for (const secret of [reader, expired, sessionId, 'demo-reader', 'forged-client']) {
      expect(text).not.toContain(secret);
      expect(labelValues(samples).some((value) => value.includes(secret))).toBe(false);
    }
  });

  it('serves the metrics to GET only, without a token, and does not count the scrape as an MCP request', async () => {
    const before = valueOf((await scrape(`${h.baseUrl}/metrics`)).samples, 'mcp_auth_requests_total');
    const again = await scrape(`${h.baseUrl}/metrics`);
    expect(valueOf(again.samples, 'mcp_auth_requests_total')).toBe(before);
    const posted = await fetch(`${h.baseUrl}/metrics`, { method: 'POST' });
    expect(posted.status).toBe(404);
    await posted.arrayBuffer();
  });
});

describe('metrics of introspected (opaque) tokens', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ MCP_AUTH_MODE: 'introspection', MCP_METRICS: 'true' });
  });
  afterAll(() => h?.close());

  it('counts introspection calls by issuer and result, and the introspection cache', async () => {
    const reader = await h.token('demo-reader', 'User.Read');
    expect(reader.split('.')).toHaveLength(1); // opaque, not a JWT
    for (const id of [1, 2]) {
      const answer = await post(h.resourceUrl, modernCall('list_products', id), {
        token: reader,
        headers: modernHeaders('tools/call', 'list_products'),
      });
      expect(answer.status).toBe(200);
      await answer.text();
    }
    const unknown = 'opaque-token-the-provider-never-issued';
    expect((await post(h.resourceUrl, rpc.listTools(), { token: unknown })).status).toBe(401);

    const { text, samples } = await scrape(`${h.baseUrl}/metrics`);
    expect(valueOf(samples, 'mcp_auth_introspection_requests_total', { issuer: h.idp.issuer, result: 'active' })).toBe(1);
    expect(valueOf(samples, 'mcp_auth_introspection_requests_total', { issuer: h.idp.issuer, result: 'inactive' })).toBe(1);
    expect(valueOf(samples, 'mcp_auth_introspection_requests_total', { result: 'error' })).toBe(0);
    expect(valueOf(samples, 'mcp_auth_cache_lookups_total', { cache: 'introspection', result: 'hit' })).toBe(1);
    expect(valueOf(samples, 'mcp_auth_cache_lookups_total', { cache: 'introspection', result: 'miss' })).toBe(2);
    expect(valueOf(samples, 'mcp_auth_authentications_total', { outcome: 'denied', reason: 'inactive' })).toBe(1);
    expect(valueOf(samples, 'mcp_auth_requests_total', { era: 'modern', method: 'tools/call', status: '200' })).toBe(2);
    for (const secret of [reader, unknown, 'demo-reader']) expect(text).not.toContain(secret);
  });
});

describe('readiness while the identity provider cannot be read', () => {
  let jwks: JwksServer;
  let server: Awaited<ReturnType<typeof startExample>> | undefined;
  const issuer = 'https://idp.observability.test';

  beforeAll(async () => {
    jwks = await startJwksServer([newSigningKey()]);
  });
  afterAll(async () => {
    await server?.close();
    await jwks.close();
  });

  it('starts anyway, answers /readyz 503 naming the issuer until the JWKS is read, then 200; /healthz is 200 throughout', async () => {
    jwks.mode = 'http-503';
    server = await startExample((resourceUrl) => ({
      MCP_AUTH_ISSUER: issuer,
      MCP_AUTH_JWKS_URI: jwks.url,
      MCP_AUTH_AUDIENCE: resourceUrl,
      MCP_METRICS: 'true',
      MCP_HEALTH: 'true',
    }));
    const { baseUrl } = server;

    const notReady = await untilStatus(`${baseUrl}/readyz`, 503);
    expect(notReady.headers.get('cache-control')).toBe('no-store');
    expect(await notReady.json()).toEqual({ status: 'not_ready', reason: 'signing_keys_not_loaded', issuers: [issuer] });
    const live = await fetch(`${baseUrl}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    // The warm-up read was attempted, and failed.
    await untilJwksRequests(jwks, 1);
    const during = await scrape(`${baseUrl}/metrics`);
    expect(valueOf(during.samples, 'mcp_auth_jwks_fetches_total', { issuer, result: 'error' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(during.samples, 'mcp_auth_jwks_keys_loaded', { issuer })).toBe(0);
    // A token of that issuer is refused meanwhile (the keys cannot be read), never a 5xx.
    const token = await signToken(jwks.keys[0], {
      iss: issuer,
      aud: server.resourceUrl,
      sub: 'u1',
      exp: Math.floor(Date.now() / 1000) + 300,
    });
    expect((await post(server.resourceUrl, rpc.listTools(), { token })).status).toBe(401);

    jwks.mode = 'ok';
    const ready = await untilStatus(`${baseUrl}/readyz`, 200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    const after = await scrape(`${baseUrl}/metrics`);
    expect(valueOf(after.samples, 'mcp_auth_jwks_fetches_total', { issuer, result: 'ok' })).toBe(1);
    expect(valueOf(after.samples, 'mcp_auth_jwks_keys_loaded', { issuer })).toBe(1);
  });
});

describe('startup while the identity provider is unreachable', () => {
  it('with discovery (no jwksUri) the example does not start: the discovery document is needed to know where the keys are', async () => {
    const closedPort = await freePort();
    await expect(startExample(() => ({ MCP_AUTH_ISSUER: `http://127.0.0.1:${closedPort}/realms/acme` }))).rejects.toThrow(
      /option "issuer" could not be reached/,
    );
  });
});

describe('readiness during shutdown, and metrics on a port of their own', () => {
  let h: LibraryApp | undefined;

  afterEach(async () => {
    h?.app.get(GatedTools).open();
    await h?.close();
    h = undefined;
  });

  it('answers /readyz 503 from the moment app.close() begins while an in-flight call finishes; /healthz stays 200', async () => {
    h = await startLibraryApp({ health: {}, shutdownTimeoutMs: 10_000 }, [GatedTools]);
    const baseUrl = new URL(h.resourceUrl).origin;
    await untilStatus(`${baseUrl}/readyz`, 200);
    const tools = h.app.get(GatedTools);
    const token = await h.token('demo-reader');
    const inFlight = post(h.resourceUrl, modernCall('gated', 1), { token, headers: modernHeaders('tools/call', 'gated') });
    await tools.whenRunning(1);

    const closing = h.app.close();
    const draining = await fetch(`${baseUrl}/readyz`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toEqual({ status: 'not_ready', reason: 'shutting_down' });
    expect(h.app.get(McpReadiness).report().ready).toBe(false);
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);

    tools.open();
    expect((await inFlight).status).toBe(200);
    await closing;
  });

  it('serves none of it by default: no metrics object, /metrics, /healthz and /readyz are 404', async () => {
    h = await startLibraryApp({}, [GatedTools]);
    expect(h.app.get(McpMetrics)).toBeNull();
    expect(h.app.get(MetricsServer)).toBeNull();
    const origin = new URL(h.resourceUrl).origin;
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      const response = await fetch(`${origin}${path}`);
      expect(response.status).toBe(404);
      await response.arrayBuffer();
    }
  });

  it('serves metrics only on their own loopback port when metrics.port is set, and closes it on shutdown', async () => {
    h = await startLibraryApp({ metrics: { port: 0 } }, [GatedTools]);
    const address = h.app.get(MetricsServer).address()!;
    expect(address.address).toBe('127.0.0.1');
    const metricsUrl = `http://127.0.0.1:${address.port}/metrics`;
    expect((await post(h.resourceUrl, rpc.listTools())).status).toBe(401);
    const { samples, response } = await scrape(metricsUrl);
    expect(response.status).toBe(200);
    expect(valueOf(samples, 'mcp_auth_requests_total', { era: 'none', status: '401' })).toBe(1);
    const onApp = await fetch(`${new URL(h.resourceUrl).origin}/metrics`);
    expect(onApp.status).toBe(404);
    await onApp.arrayBuffer();
    const elsewhere = await fetch(`http://127.0.0.1:${address.port}/other`);
    expect(elsewhere.status).toBe(404);
    await elsewhere.arrayBuffer();

    await h.close();
    await expect(fetch(metricsUrl)).rejects.toThrow();
  });
});

describe('readiness and metrics with Redis', () => {
  let h: LibraryApp | undefined;
  let redis: ChildProcess | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
    await stopRedis(redis);
    redis = undefined;
  });

  it('with health.requireRedis: 503 redis_unavailable and Redis errors counted while Redis is down, 200 once it is up', async () => {
    const port = await freePort();
    h = await startLibraryApp({ redis: { url: `redis://127.0.0.1:${port}` }, metrics: {}, health: { requireRedis: true } });
    const baseUrl = new URL(h.resourceUrl).origin;
    const body = await untilReadinessReason(`${baseUrl}/readyz`, 'redis_unavailable');
    expect(body).toEqual({ status: 'not_ready', reason: 'redis_unavailable' });
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    const errors = valueOf((await scrape(`${baseUrl}/metrics`)).samples, 'mcp_auth_redis_errors_total');
    expect(errors).toBeGreaterThanOrEqual(1);

    redis = await startRedis(port);
    expect(await (await untilStatus(`${baseUrl}/readyz`, 200)).json()).toEqual({ status: 'ready' });
  });

  it('without requireRedis: ready while Redis is down (the module falls back), the errors still counted', async () => {
    const port = await freePort();
    h = await startLibraryApp({ redis: { url: `redis://127.0.0.1:${port}` }, metrics: {}, health: {} });
    const baseUrl = new URL(h.resourceUrl).origin;
    await untilStatus(`${baseUrl}/readyz`, 200);
    for (let attempt = 0; attempt < 100; attempt++) {
      if (valueOf((await scrape(`${baseUrl}/metrics`)).samples, 'mcp_auth_redis_errors_total') > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(valueOf((await scrape(`${baseUrl}/metrics`)).samples, 'mcp_auth_redis_errors_total')).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);
  });
});

/** Polls the readiness endpoint until its 503 names `reason`; bounded. */
async function untilReadinessReason(url: string, reason: string): Promise<unknown> {
  let body: unknown;
  for (let attempt = 0; attempt < 200; attempt++) {
    body = await (await fetch(url)).json();
    if ((body as { reason?: string }).reason === reason) return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`readiness never said ${reason} (last: ${JSON.stringify(body)})`);
}

/** A throwaway redis-server on loopback, no persistence; resolves once it accepts connections (bounded). */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  for (let attempt = 0; attempt < 100; attempt++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return child;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill();
  throw new Error(`redis-server did not start on port ${port}`);
}

async function stopRedis(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill();
  await exited;
}

/** Waits until the JWKS server saw `count` requests; bounded. */
async function untilJwksRequests(jwks: JwksServer, count: number): Promise<void> {
  for (let attempt = 0; attempt < 200 && jwks.requests < count; attempt++) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(jwks.requests).toBeGreaterThanOrEqual(count);
}
