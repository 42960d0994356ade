import { Redis } from 'ioredis';
import { McpTool, McpToolProvider, RequireScopes, oidc } from 'nestjs-mcp-auth';
import type { McpToolContext } from 'nestjs-mcp-auth';
import { DEV_RESOURCE_SERVER, DEV_TOKEN_EXCHANGE_CLIENT, INVENTORY_SCOPES } from '../src/dev-identity-provider/demo-clients.js';
import { TestDpopKey, dpopBoundToken, dpopHeaders } from './support/dpop.js';
import { freePort, rpc, startTestIdentity, toolJson } from './support/harness.js';
import type { TestIdentity } from './support/harness.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { modernCall, modernHeaders } from './support/modern.js';
import { startRedisServer } from './support/redis-server.js';
import type { TestRedis } from './support/redis-server.js';
import { answerOf } from './support/sse.js';

const INVENTORY = 'http://127.0.0.1:1/inventory';
const CACHE_KEY = 'a-downstream-cache-key-of-at-least-32-bytes!';

/** A tool that gets a downstream token (issue 25), so that one is kept in Redis. */
@McpToolProvider()
class ExchangingTools {
  @McpTool({ name: 'exchange', description: 'Gets a token for the inventory API' })
  @RequireScopes('User.Read')
  async exchange(_args: unknown, ctx: McpToolContext) {
    const token = await ctx.tokenFor({ audience: INVENTORY, scopes: ['stock:read'] });
    return { scopes: token.scopes };
  }
}

/** What kind of record a key is, from its name under the prefix (`session:<id>` is a `session`). */
function kindOf(key: string, prefix: string): string {
  const rest = key.slice(prefix.length);
  if (rest.startsWith('throttle:mcp-auth-principal:')) return 'rate limit (principal)';
  if (rest.startsWith('throttle:mcp-auth-unauthenticated:')) return 'rate limit (address)';
  return rest.split(':')[0];
}

/**
 * Issue 19 derived the default `redis.keyPrefix` from the resource URL so that two servers on
 * one Redis share nothing by accident. Every feature merged since keeps state in Redis too: DPoP
 * proof claims (24), sealed downstream tokens (25), legacy sessions, rate limits, introspection
 * answers. Two servers configured differently (X: JWTs, token exchange, a per-principal rate
 * limit that carries the DPoP claim; Y: introspected opaque tokens, a per-address limit, DPoP
 * claimed on its own) on one real Redis: each key is under its server's prefix, every kind is
 * there, and none holds a token.
 */
describe('every feature’s Redis keys under the server’s own prefix', () => {
  let redis: TestRedis;
  let identityX: TestIdentity;
  let identityY: TestIdentity;
  let x: LibraryApp;
  let y: LibraryApp;
  const tokens: string[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    const [portX, portY] = [await freePort(), await freePort()];
    const [urlX, urlY] = [`http://127.0.0.1:${portX}/mcp`, `http://127.0.0.1:${portY}/mcp`];
    identityX = await startTestIdentity(urlX, {
      tokenExchange: { clients: [DEV_TOKEN_EXCHANGE_CLIENT], targets: { [INVENTORY]: INVENTORY_SCOPES } },
    });
    identityY = await startTestIdentity(urlY, { accessTokenFormat: 'opaque', resourceServers: [DEV_RESOURCE_SERVER] });
    x = await startLibraryApp(
      {
        issuer: undefined,
        issuers: [oidc({ issuer: identityX.idp.issuer, downstream: { ...DEV_TOKEN_EXCHANGE_CLIENT } })],
        downstreamCache: { encryptionKey: CACHE_KEY },
        dpop: { mode: 'allowed' },
        rateLimit: { perPrincipal: { limit: 1_000, ttlMs: 60_000 } },
        redis: { url: redis.url },
      },
      [ExchangingTools],
      'express',
      { port: portX, identity: identityX },
    );
    y = await startLibraryApp(
      {
        introspection: { clientId: DEV_RESOURCE_SERVER.clientId, clientSecret: DEV_RESOURCE_SERVER.clientSecret },
        dpop: { mode: 'allowed' },
        rateLimit: { unauthenticatedPerIp: { limit: 1_000, ttlMs: 60_000 } },
        redis: { url: redis.url },
      },
      [],
      'express',
      { port: portY, identity: identityY },
    );
  });
  afterAll(async () => {
    await x?.close();
    await y?.close();
    await identityX?.idp.close();
    await identityY?.idp.close();
    await redis?.close();
  });

  /** Uses every feature that keeps state in Redis, on `app`, with a DPoP-bound token of its identity provider. */
  async function exercise(app: LibraryApp, identity: TestIdentity, tool: string): Promise<void> {
    const key = await TestDpopKey.create();
    const { token } = await dpopBoundToken(identity.idp, 'demo-reader', key);
    tokens.push(token);
    const send = async (body: unknown, headers: Record<string, string>) => {
      const response = await fetch(app.resourceUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...dpopHeaders(token, await key.proof({ htu: app.resourceUrl, accessToken: token })),
          ...headers,
        },
        body: JSON.stringify(body),
      });
      expect(response.status).toBeLessThan(300);
      return response;
    };
    const init = await send(rpc.initialize(), { 'mcp-protocol-version': '2025-11-25' });
    const sessionId = init.headers.get('mcp-session-id')!;
    await init.text();
    await (await send(rpc.initialized(), { 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': sessionId })).text();
    const legacy = await send(rpc.callTool(tool), { 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': sessionId });
    expect((await answerOf(legacy)).result.isError).toBeFalsy();
    const modern = await send(modernCall(tool, 5), modernHeaders('tools/call', tool));
    expect(toolJson(((await modern.json()) as { result: object }).result)).toBeDefined();
    // A failed authentication, counted against the address where a per-address limit is set.
    const refused = await fetch(app.resourceUrl, { method: 'POST', headers: { authorization: 'Bearer not-a-token' }, body: '{}' });
    expect(refused.status).toBe(401);
    await refused.text();
  }

  it('X and Y keep every record under their own prefix, each feature’s records there, and no token anywhere', async () => {
    await exercise(x, identityX, 'exchange');
    await exercise(y, identityY, 'whoami');

    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      // Records are written without waiting for Redis (introspection answers, sealed tokens): give them a moment.
      let keys: string[] = [];
      for (const deadline = Date.now() + 2_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 50))) {
        keys = await client.keys('*');
        if (keys.some((key) => key.includes(':introspection:')) && keys.some((key) => key.includes(':downstream:'))) break;
      }
      const prefixX = `mcp-auth:${x.resourceUrl}:`;
      const prefixY = `mcp-auth:${y.resourceUrl}:`;
      expect(keys.filter((key) => !key.startsWith(prefixX) && !key.startsWith(prefixY))).toEqual([]);
      const kinds = (prefix: string) => [...new Set(keys.filter((key) => key.startsWith(prefix)).map((key) => kindOf(key, prefix)))].sort();
      expect(kinds(prefixX)).toEqual(['downstream', 'dpop-jti', 'rate limit (principal)', 'session', 'sessions-of']);
      expect(kinds(prefixY)).toEqual(['dpop-jti', 'introspection', 'rate limit (address)', 'session', 'sessions-of']);

      const values = await Promise.all(keys.map(async (key) => `${key} ${(await client.get(key).catch(() => null)) ?? ''}`));
      for (const token of tokens) expect(values.join('\n')).not.toContain(token);
    } finally {
      client.disconnect();
    }
  });
});
