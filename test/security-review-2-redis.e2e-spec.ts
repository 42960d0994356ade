import { Redis } from 'ioredis';
import { McpNotifier } from 'nestjs-mcp-auth';
import type { McpAuthOptions } from 'nestjs-mcp-auth';
import { DEV_RESOURCE_SERVER } from '../src/dev-identity-provider/demo-clients.js';
import { freePort, openSession, post, rpc, startTestIdentity } from './support/harness.js';
import type { TestIdentity } from './support/harness.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { modernCall, modernHeaders, modernListen } from './support/modern.js';
import { describeOnPlatforms } from './support/platforms.js';
import { startRedisServer } from './support/redis-server.js';
import { startReplicas } from './support/replicas.js';
import type { Replicas } from './support/replicas.js';
import type { TestRedis } from './support/redis-server.js';

/**
 * Two MCP servers of one organisation (X and Y: two resource URLs, one identity provider
 * issuing opaque tokens for either) sharing one real Redis (issue 19, N3).
 */
describeOnPlatforms('N3 two servers on one Redis', (platform) => {
  let redis: TestRedis;
  let identity: TestIdentity;
  let urlOf: { x: string; y: string };
  let ports: { x: number; y: number };

  beforeAll(async () => {
    redis = await startRedisServer();
    ports = { x: await freePort(), y: await freePort() };
    urlOf = { x: `http://127.0.0.1:${ports.x}/mcp`, y: `http://127.0.0.1:${ports.y}/mcp` };
    identity = await startTestIdentity(urlOf.x, {
      accessTokenFormat: 'opaque',
      resourceServers: [DEV_RESOURCE_SERVER],
      otherResources: [urlOf.y],
    });
  });
  afterAll(async () => {
    await identity?.idp.close();
    await redis?.close();
  });

  /** Servers X and Y, each introspecting tokens and holding them to its own audience, with `redis` options of the test's choosing. */
  async function startServers(redisOptions: McpAuthOptions['redis']): Promise<{ x: LibraryApp; y: LibraryApp; close(): Promise<void> }> {
    const options = (): Partial<McpAuthOptions> => ({
      introspection: { clientId: DEV_RESOURCE_SERVER.clientId, clientSecret: DEV_RESOURCE_SERVER.clientSecret },
      redis: redisOptions,
    });
    const x = await startLibraryApp(options(), [], platform, { port: ports.x, identity });
    const y = await startLibraryApp(options(), [], platform, { port: ports.y, identity }).catch(async (error) => {
      await x.close();
      throw error;
    });
    return { x, y, close: () => Promise.all([x.close(), y.close()]).then(() => undefined) };
  }

  /** A modern `tools/call` of `whoami` with `token`: its status. */
  async function whoamiStatus(url: string, token: string): Promise<number> {
    const response = await post(url, modernCall('whoami'), { token, headers: modernHeaders('tools/call', 'whoami') });
    await response.arrayBuffer();
    return response.status;
  }

  describe('with one keyPrefix set for both (a shared introspection cache)', () => {
    let servers: Awaited<ReturnType<typeof startServers>>;
    beforeAll(async () => {
      servers = await startServers({ url: redis.url, keyPrefix: 'one-organisation:' });
    });
    afterAll(() => servers?.close());

    it('N3 a token minted for X and shown to X is still refused by Y (401 wrong audience), on both eras', async () => {
      const token = await identity.idp.token('demo-admin');
      expect(await whoamiStatus(servers.x.resourceUrl, token)).toBe(200);
      const before = identity.idp.introspectionRequests();

      expect(await whoamiStatus(servers.y.resourceUrl, token)).toBe(401);
      const legacy = await post(servers.y.resourceUrl, rpc.callTool('delete_product', { id: 1 }), { token });
      expect(legacy.status).toBe(401);
      expect(legacy.headers.get('www-authenticate')).toContain('error="invalid_token"');
      await legacy.arrayBuffer();
      // Y held X's answer to its own rules: it did not need to ask the identity provider again.
      expect(identity.idp.introspectionRequests()).toBe(before);
    });

    it("N3 Y's refusal of X's token does not make X refuse its own valid token", async () => {
      const token = await identity.idp.token('demo-reader');
      expect(await whoamiStatus(servers.y.resourceUrl, token)).toBe(401);
      expect(await whoamiStatus(servers.x.resourceUrl, token)).toBe(200);
    });

    it('N3 a token minted for Y works on Y and not on X, whichever saw it first', async () => {
      const token = await identity.idp.token('demo-reader', undefined, urlOf.y);
      expect(await whoamiStatus(servers.x.resourceUrl, token)).toBe(401);
      expect(await whoamiStatus(servers.y.resourceUrl, token)).toBe(200);
      expect(await whoamiStatus(servers.x.resourceUrl, token)).toBe(401);
    });
  });

  describe('with the default keyPrefix', () => {
    let servers: Awaited<ReturnType<typeof startServers>>;
    beforeAll(async () => {
      // Nothing left of the servers above, which shared a prefix of their own.
      const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      await client.flushall().finally(() => client.disconnect());
      servers = await startServers({ url: redis.url });
    });
    afterAll(() => servers?.close());

    it("N3 each server keeps its keys under a prefix of its own resource URL: X's sessions are unknown to Y", async () => {
      const forX = await identity.idp.token('demo-reader');
      const forY = await identity.idp.token('demo-reader', undefined, urlOf.y);
      const sessionOnX = await openSession(servers.x.resourceUrl, forX);
      await openSession(servers.y.resourceUrl, forY);

      // The same subject, on Y, with X's session id: no such session there.
      const crossed = await post(servers.y.resourceUrl, rpc.listTools(), { token: forY, headers: { 'mcp-session-id': sessionOnX } });
      expect(crossed.status).toBe(404);
      await crossed.arrayBuffer();

      const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      try {
        const keys = await client.keys('*');
        const ofX = keys.filter((key) => key.startsWith(`mcp-auth:${urlOf.x}:`));
        const ofY = keys.filter((key) => key.startsWith(`mcp-auth:${urlOf.y}:`));
        expect(ofX.length).toBeGreaterThan(0);
        expect(ofY.length).toBeGreaterThan(0);
        expect(ofX.length + ofY.length).toBe(keys.length);
      } finally {
        client.disconnect();
      }
    });

    it("N3 a change announced on X is not heard by Y's listeners", async () => {
      const forY = await identity.idp.token('demo-reader', undefined, urlOf.y);
      const stream = await post(servers.y.resourceUrl, modernListen(1, { toolsListChanged: true }), {
        token: forY,
        headers: modernHeaders('subscriptions/listen'),
      });
      expect(stream.status).toBe(200);
      const reader = stream.body!.getReader();
      const decode = (chunk: { value?: Uint8Array }) => new TextDecoder().decode(chunk.value);
      try {
        expect(decode(await reader.read())).toContain('acknowledged');
        servers.x.app.get(McpNotifier).toolsChanged();
        let pending = reader.read();
        const heard = await Promise.race([
          pending.then(decode),
          new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1_000)),
        ]);
        expect(heard ?? '').not.toContain('list_changed');
        if (heard !== undefined) pending = reader.read();
        // Y's own announcement is heard: the stream works.
        servers.y.app.get(McpNotifier).toolsChanged();
        let text = decode(await pending);
        while (!text.includes('notifications/tools/list_changed')) text += decode(await reader.read());
        expect(text).toContain('notifications/tools/list_changed');
      } finally {
        await reader.cancel().catch(() => undefined);
      }
    });
  });
});

describe('a session record Redis lost (a restart without persistence)', () => {
  const IDLE_TIMEOUT_MS = 4_000;
  let redis: TestRedis;
  let fleet: Replicas;
  beforeAll(async () => {
    redis = await startRedisServer();
    fleet = await startReplicas(2, { redis: { url: redis.url }, maxSessionsPerSubject: 2, sessionIdleTimeoutMs: IDLE_TIMEOUT_MS });
  });
  afterAll(async () => {
    await fleet?.close();
    await redis?.close();
  });

  it("is written again on use and counted again in its owner's fleet-wide count", async () => {
    const token = await fleet.token('demo-reader');
    const [first, second] = fleet.replicas;
    const sessions = [await openSession(first.endpoint, token), await openSession(first.endpoint, token)];
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      await client.flushall();
      // Used again once a renewal is due (a quarter of the idle timeout): the records are written again.
      await new Promise((resolve) => setTimeout(resolve, IDLE_TIMEOUT_MS / 4 + 200));
      for (const id of sessions) {
        const used = await post(first.endpoint, rpc.listTools(), { token, headers: { 'mcp-session-id': id } });
        expect(used.status).toBe(200);
        await used.arrayBuffer();
      }
      for (const deadline = Date.now() + 2_000; (await client.keys('*session:*')).length < 2 && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // The other replica holds none of them itself: only the fleet's count can refuse a third.
      const third = await post(second.endpoint, rpc.initialize(), { token });
      expect(third.status).toBe(429);
      await third.arrayBuffer();
    } finally {
      client.disconnect();
    }
  });
});
