import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpMetrics } from './mcp-metrics.js';
import type { McpMetricsSources } from './mcp-metrics.js';
import { resolveMetrics } from './resolve-observability.js';

const options = resolveMetrics({}, '/mcp', ['localhost'])!;

function sources(): McpMetricsSources & { stats: { fetches: number; failedFetches: number }; tokens: { hits: number; misses: number } } {
  const stats = { fetches: 0, failedFetches: 0 };
  const tokens = { hits: 0, misses: 0 };
  return {
    stats,
    tokens,
    keyStores: [
      {
        issuer: 'https://idp.example',
        store: {
          stats,
          get loaded() {
            return stats.fetches > stats.failedFetches;
          },
        },
      },
    ],
    tokenCache: () => tokens,
  };
}

async function lines(metrics: McpMetrics): Promise<string[]> {
  return (await metrics.scrape()).body.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

describe('McpMetrics', () => {
  it("keeps a registry of its own: two instances in one process do not collide, and prom-client's global registry stays empty", async () => {
    const [first, second] = await Promise.all([McpMetrics.create(options, sources()), McpMetrics.create(options, sources())]);
    first.redisErrored();
    expect(await lines(first)).toContain('mcp_auth_redis_errors_total 1');
    expect(await lines(second)).toContain('mcp_auth_redis_errors_total 0');
    const { register } = await import('prom-client');
    expect(await register.metrics()).not.toContain('mcp_auth_');
  });

  it("reads the components' counters at scrape time", async () => {
    const source = sources();
    const metrics = await McpMetrics.create({ ...options, prefix: 'x_' }, source);
    expect(await lines(metrics)).toContain('x_jwks_keys_loaded{issuer="https://idp.example"} 0');
    source.stats.fetches = 3;
    source.stats.failedFetches = 1;
    source.tokens.hits = 7;
    source.tokens.misses = 2;
    const scraped = await lines(metrics);
    expect(scraped).toContain('x_jwks_fetches_total{issuer="https://idp.example",result="ok"} 2');
    expect(scraped).toContain('x_jwks_fetches_total{issuer="https://idp.example",result="error"} 1');
    expect(scraped).toContain('x_jwks_keys_loaded{issuer="https://idp.example"} 1');
    expect(scraped).toContain('x_cache_lookups_total{cache="verified_token",result="hit"} 7');
    expect(scraped).toContain('x_cache_lookups_total{cache="verified_token",result="miss"} 2');
  });

  it('counts decisions by action, outcome and a known reason, never by who', async () => {
    const metrics = await McpMetrics.create(options, sources());
    const who = { issuer: 'https://idp.example', subject: 'alice@example.com', client: 'client-123', ip: '203.0.113.9', sessionId: 's-1' };
    metrics.decided({ time: '', action: 'authenticate', outcome: 'denied', reason: 'expired', ...who });
    metrics.decided({ time: '', action: 'authenticate', outcome: 'denied', reason: 'expired', ...who });
    metrics.decided({ time: '', action: 'tools/call', outcome: 'denied', reason: 'insufficient_scope', tool: 'tool-delete-7f3', ...who });
    metrics.decided({ time: '', action: 'tools/call', outcome: 'allowed', tool: 'tool-list-7f3', ...who });
    metrics.decided({ time: '', action: 'tools/call', outcome: 'denied', reason: 'a reason a sink made up', ...who });
    const text = (await metrics.scrape()).body;
    expect(text).toContain('mcp_auth_authentications_total{outcome="denied",reason="expired"} 2');
    expect(text).toContain('mcp_auth_authorization_decisions_total{action="tools/call",outcome="denied",reason="insufficient_scope"} 1');
    expect(text).toContain('mcp_auth_authorization_decisions_total{action="tools/call",outcome="allowed",reason="none"} 1');
    expect(text).toContain('mcp_auth_authorization_decisions_total{action="tools/call",outcome="denied",reason="other"} 1');
    for (const value of [...Object.values(who).slice(1), 'tool-delete-7f3', 'tool-list-7f3']) expect(text).not.toContain(value);
  });

  it('counts requests when their response closes: status, era and method once classified, "aborted" when nothing was sent', async () => {
    const metrics = await McpMetrics.create(options, sources());
    const server = createServer((req, res) => {
      metrics.track(req, res);
      if (req.url === '/abort') return void req.socket.destroy();
      if (req.url === '/classified') metrics.classified(res, 'modern', { jsonrpc: '2.0', id: 1, method: 'tools/list' });
      res.writeHead(req.url === '/classified' ? 200 : 401).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await (await fetch(`${base}/classified`, { method: 'POST' })).arrayBuffer();
      await (await fetch(`${base}/plain`, { method: 'POST' })).arrayBuffer();
      await expect(fetch(`${base}/abort`, { method: 'POST' })).rejects.toThrow();
      // The server sees the aborted request's close a moment after the client does; bounded wait.
      for (let i = 0; i < 100 && !(await metrics.scrape()).body.includes('status="aborted"'); i++)
        await new Promise((r) => setTimeout(r, 10));
      const text = (await metrics.scrape()).body;
      expect(text).toContain('mcp_auth_requests_total{era="modern",method="tools/list",http_method="POST",status="200"} 1');
      expect(text).toContain('mcp_auth_requests_total{era="none",method="none",http_method="POST",status="401"} 1');
      expect(text).toContain('mcp_auth_requests_total{era="none",method="none",http_method="POST",status="aborted"} 1');
      expect(text).toContain('mcp_auth_request_duration_seconds_count{era="modern",method="tools/list"} 1');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
