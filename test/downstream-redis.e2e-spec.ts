import 'reflect-metadata';
import { Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Redis } from 'ioredis';
import { DownstreamTokens, McpAuthModule, McpTool, McpToolProvider, RequireScopes, oidc } from 'nestjs-mcp-auth';
import type { McpAuthOptions, McpToolContext } from 'nestjs-mcp-auth';
import { connectMcpClient } from 'nestjs-mcp-auth/testing';
import { DEMO_CLIENTS, DEV_TOKEN_EXCHANGE_CLIENT, INVENTORY_SCOPES } from '../src/dev-identity-provider/demo-clients.js';
import { startDevIdentityProvider } from '../src/dev-identity-provider/dev-identity-provider.js';
import type { DevIdentityProvider } from '../src/dev-identity-provider/dev-identity-provider.js';
import { freePort, toolJson } from './support/harness.js';
import { startRedisServer } from './support/redis-server.js';
import type { TestRedis } from './support/redis-server.js';

const INVENTORY = 'http://127.0.0.1:1/inventory';
const KEY = 'a-downstream-cache-key-of-at-least-32-bytes!';

/** Hands the test the downstream token itself, so that Redis can be searched for it. */
@McpToolProvider()
class TokenProbeTools {
  @McpTool({ name: 'inventory_token' })
  @RequireScopes('User.Read')
  async token(_args: unknown, ctx: McpToolContext) {
    return { accessToken: (await ctx.tokenFor({ audience: INVENTORY, scopes: ['stock:read'] })).accessToken };
  }
}

/**
 * Two replicas of one MCP server share their downstream tokens through a real Redis: one
 * exchange per user and API for the fleet, and Redis holds only sealed entries (AES-256-GCM),
 * never a token or whose it is.
 */
describe('Downstream tokens: shared by two replicas through Redis, sealed', () => {
  let redis: TestRedis;
  let idp: DevIdentityProvider;
  let resourceUrl: string;
  const apps: INestApplication[] = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    resourceUrl = `http://127.0.0.1:${await freePort()}/mcp`;
    idp = await startDevIdentityProvider({
      resourceUrl,
      clients: DEMO_CLIENTS,
      tokenExchange: { clients: [DEV_TOKEN_EXCHANGE_CLIENT], targets: { [INVENTORY]: INVENTORY_SCOPES } },
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(apps.map((app) => app.close()));
    await idp?.close();
    await redis?.close();
  });

  function options(extra: Partial<McpAuthOptions> = {}): McpAuthOptions {
    return {
      resourceUrl,
      issuers: [oidc({ issuer: idp.issuer, downstream: { ...DEV_TOKEN_EXCHANGE_CLIENT } })],
      redis: { url: redis.url, keyPrefix: 'fleet-a:' },
      downstreamCache: { encryptionKey: KEY },
      ...extra,
    };
  }

  /** A replica of the server (the same resource URL), listening on a port of its own. */
  async function replica(extra: Partial<McpAuthOptions> = {}): Promise<string> {
    @Module({ imports: [McpAuthModule.forRoot(options(extra))], providers: [TokenProbeTools] })
    class ReplicaModule {}
    const app = await NestFactory.create(ReplicaModule, { bodyParser: false, logger: false, abortOnError: false });
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    apps.push(app);
    return `http://127.0.0.1:${port}/mcp`;
  }

  async function downstreamToken(url: string, token: string): Promise<string> {
    const client = await connectMcpClient(url, token);
    clients.push(client);
    return toolJson(await client.callTool({ name: 'inventory_token', arguments: {} })).accessToken;
  }

  it('refuses to start with redis and downstream tokens but no encryption key, or a short one', async () => {
    await expect(replica({ downstreamCache: {} })).rejects.toThrow(
      'McpAuthModule: option "downstreamCache.encryptionKey" is required with "redis" and downstream tokens',
    );
    await expect(replica({ downstreamCache: { encryptionKey: 'too short' } })).rejects.toThrow(
      'option "downstreamCache.encryptionKey" must be a string of at least 32 bytes',
    );
  });

  it("exchanges once for the fleet: the second replica opens the first one's sealed entry", async () => {
    const [first, second] = [await replica(), await replica()];
    const caller = await idp.token('demo-reader');
    const fromFirst = await downstreamToken(first, caller);
    expect(idp.tokenExchanges()).toBe(1);
    const fromSecond = await downstreamToken(second, caller);
    expect(fromSecond).toBe(fromFirst);
    expect(idp.tokenExchanges()).toBe(1);
    const [, secondApp] = apps.slice(-2);
    expect(secondApp.get(DownstreamTokens).stats[0].counts.get('shared_cache_hit')).toBe(1);

    // Redis holds neither the downstream token, nor the caller's, nor whose or for what they are.
    const scan = new Redis(redis.url);
    try {
      const keys = await scan.keys('*');
      const entries = keys.filter((key) => key.startsWith('fleet-a:downstream:'));
      expect(entries).toHaveLength(1);
      const dump = async (names: string[]) =>
        (await Promise.all(names.map(async (key) => `${key} ${(await scan.get(key).catch(() => '')) ?? ''}`))).join('\n');
      // No token anywhere in Redis (sessions included); the downstream entries do not even say whose or for what.
      const everything = await dump(keys);
      for (const token of [fromFirst, caller]) expect(everything).not.toContain(token);
      const sealed = await dump(entries);
      for (const secret of ['demo-reader', INVENTORY, 'stock:read', idp.issuer]) expect(sealed).not.toContain(secret);
      expect(await scan.pttl(entries[0])).toBeGreaterThan(0);
    } finally {
      scan.disconnect();
    }
  });

  it('a replica with another key cannot open the entries: it exchanges for itself', async () => {
    const other = await replica({ downstreamCache: { encryptionKey: 'another-key-of-at-least-thirty-two-bytes' } });
    const before = idp.tokenExchanges();
    await downstreamToken(other, await idp.token('demo-reader'));
    expect(idp.tokenExchanges()).toBe(before + 1);
  });
});
