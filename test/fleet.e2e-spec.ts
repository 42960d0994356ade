import { Redis } from 'ioredis';
import { buildExampleIfStale, fleetUnavailable, startFleet } from './support/fleet.js';
import type { Fleet } from './support/fleet.js';
import { openSession, post, rpc } from './support/harness.js';
import { modernCall, modernHeaders } from './support/modern.js';

/** The per-principal limit the replicas share: requests per minute. */
const LIMIT = 40;

/** A 2026-07-28 `tools/call` of `whoami` (no scope needed) at `url`, answered with its status. */
async function whoami(url: string, token: string): Promise<number> {
  const response = await post(url, modernCall('whoami'), { token, headers: modernHeaders('tools/call', 'whoami') });
  await response.text();
  return response.status;
}

/** Runs `count` calls, `concurrency` at a time; each call gets its index. Resolves with their results in order. */
async function inParallel<T>(count: number, concurrency: number, call: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await call(index);
      }
    }),
  );
  return results;
}

const unavailable = fleetUnavailable();
if (unavailable) {
  // Installed by `npm test` (pretest) on Debian; elsewhere, say what to install rather than pass silently.
  test('the multi-process fleet tests can run', () => {
    throw new Error(unavailable);
  });
}

(unavailable ? describe.skip : describe)('a fleet: three replicas behind HAProxy sharing Redis', () => {
  let fleet: Fleet;
  let inspector: Redis;

  beforeAll(async () => {
    buildExampleIfStale();
    fleet = await startFleet({ replicas: 3, env: { MCP_RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
    inspector = new Redis(fleet.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    inspector.on('error', () => undefined);
    await inspector.connect();
  }, 300_000);

  afterAll(async () => {
    inspector?.disconnect();
    await fleet?.close();
  }, 60_000);

  const at = (replica: number) => `${fleet.replicas[replica].baseUrl}/mcp`;

  test(`a per-principal limit of ${LIMIT}/min allows ${LIMIT} across the fleet, not ${LIMIT} per replica`, async () => {
    const token = await fleet.token('demo-admin');
    // Aimed at each replica in turn: counted per replica, every one of these would pass (17 per replica at most).
    const statuses = await inParallel(LIMIT + 10, 5, (index) => whoami(at(index % 3), token));
    expect(statuses.filter((status) => status === 200)).toHaveLength(LIMIT);
    expect(statuses.filter((status) => status === 429)).toHaveLength(10);
  });

  test('a token introspected through one replica is not introspected again through the others', async () => {
    const token = await fleet.token('demo-reader');
    const before = fleet.idp.introspectionRequests();
    expect(await whoami(at(0), token)).toBe(200);
    expect(fleet.idp.introspectionRequests()).toBe(before + 1);
    expect(await whoami(at(1), token)).toBe(200);
    expect(await whoami(at(2), token)).toBe(200);
    expect(await whoami(at(1), token)).toBe(200);
    expect(fleet.idp.introspectionRequests()).toBe(before + 1);
  });

  test('an authenticated tools/call costs one Redis round trip: the rate-limit script, nothing else', async () => {
    const token = await fleet.token('demo-writer');
    for (const replica of [0, 1, 2]) expect(await whoami(at(replica), token)).toBe(200);
    await inspector.config('RESETSTAT');
    const CALLS = 12;
    for (let index = 0; index < CALLS; index++) expect(await whoami(at(index % 3), token)).toBe(200);
    const stats = Object.fromEntries(
      [...(await inspector.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map(([, command, calls]) => [
        command,
        Number(calls),
      ]),
    );
    // The inspector's own INFO and CONFIG are not the replicas'.
    delete stats.info;
    delete stats.config;
    expect(stats).toEqual({ evalsha: CALLS });
  });

  test('a legacy session opened on one replica is served on the others; another subject is refused on every replica', async () => {
    const reader = await fleet.token('demo-reader');
    const writer = await fleet.token('demo-writer');
    const sessionId = await openSession(at(0), reader);
    const session = { 'mcp-session-id': sessionId };

    for (const replica of [1, 2]) {
      const listed = await post(at(replica), rpc.listTools(), { token: reader, headers: session });
      expect(listed.status).toBe(200);
      expect(listed.headers.get('mcp-session-id')).toBe(sessionId);
      expect(await listed.text()).toContain('"whoami"');
    }
    for (const replica of [0, 1, 2]) {
      const refused = await post(at(replica), rpc.listTools(), { token: writer, headers: session });
      expect(refused.status).toBe(404);
      expect(await refused.json()).toMatchObject({ error: { message: 'Session not found' } });
    }
    // The owner still has it everywhere after the refusals.
    expect((await post(at(2), rpc.listTools(), { token: reader, headers: session })).status).toBe(200);
  });

  test('DELETE on one replica ends the session on every replica', async () => {
    const reader = await fleet.token('demo-reader');
    const sessionId = await openSession(at(0), reader);
    const session = { 'mcp-session-id': sessionId };
    // Held in memory by two replicas before it ends.
    expect((await post(at(1), rpc.listTools(), { token: reader, headers: session })).status).toBe(200);
    const deleted = await fetch(at(2), {
      method: 'DELETE',
      headers: { authorization: `Bearer ${reader}`, 'mcp-protocol-version': '2025-11-25', ...session },
    });
    expect(deleted.status).toBe(200);
    for (const replica of [0, 1, 2]) {
      expect((await post(at(replica), rpc.listTools(), { token: reader, headers: session })).status).toBe(404);
    }
  });

  test("a replica's restart loses no session's ownership", async () => {
    const reader = await fleet.token('demo-reader');
    const writer = await fleet.token('demo-writer');
    const sessionId = await openSession(at(0), reader);
    const session = { 'mcp-session-id': sessionId };
    await fleet.replicas[0].stop();
    await fleet.replicas[0].start();
    // At once: the replica waits for Redis before it serves.
    expect((await post(at(0), rpc.listTools(), { token: reader, headers: session })).status).toBe(200);
    expect((await post(at(0), rpc.listTools(), { token: writer, headers: session })).status).toBe(404);
  }, 60_000);

  test('with Redis stopped the fleet degrades as documented (no 5xx), and recovers when it is back', async () => {
    const token = await fleet.token('demo-reader');
    const warm = await fleet.token('demo-writer');
    expect(await whoami(`${fleet.baseUrl}/mcp`, warm)).toBe(200);
    await fleet.redis.stop();
    // Limits count per replica (onStoreError 'local'), caches fall back to each replica's own: every call is served.
    const during = await inParallel(15, 3, () => whoami(`${fleet.baseUrl}/mcp`, token));
    expect(during.filter((status) => status !== 200)).toEqual([]);
    // New sessions open on one replica meanwhile.
    expect(await openSession(at(1), token)).toMatch(/^[0-9a-f-]{36}$/);

    await fleet.redis.start();
    await inspector.connect().catch(() => undefined);
    // Within the connections' retry interval (2 s at most), counting is shared again.
    const deadline = Date.now() + 15_000;
    let shared = false;
    while (!shared && Date.now() < deadline) {
      expect(await whoami(`${fleet.baseUrl}/mcp`, warm)).toBe(200);
      shared = (await inspector.keys('mcp-auth:throttle:*').catch(() => [])).length > 0;
      if (!shared) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(shared).toBe(true);
  }, 60_000);

  test('killing one replica under load loses no request that was not in flight on it', async () => {
    const token = await fleet.token('demo-writer');
    const url = `${fleet.baseUrl}/mcp`;
    const CONCURRENCY = 3;
    let completed = 0;
    let killedAt = -1;
    const results = await inParallel(30, CONCURRENCY, async (index) => {
      if (completed === 10 && killedAt < 0) {
        killedAt = index;
        void fleet.replicas[2].kill();
      }
      const status = await whoami(url, token).catch(() => 0);
      completed++;
      return status;
    });
    const lost = results.filter((status) => status !== 200);
    // At most the requests in flight at the moment of the kill, and none on the survivors.
    expect(lost.length).toBeLessThanOrEqual(CONCURRENCY);
    expect(results.slice(killedAt + CONCURRENCY)).toEqual(results.slice(killedAt + CONCURRENCY).map(() => 200));
    expect(killedAt).toBeGreaterThan(0);
  }, 60_000);
});
