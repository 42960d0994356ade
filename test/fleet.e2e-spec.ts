import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { buildExample, fleetUnavailable, startFleet } from './support/fleet.js';
import type { Fleet } from './support/fleet.js';
import { openSession, post, rpc } from './support/harness.js';
import { MODERN, modernCall, modernHeaders } from './support/modern.js';
import { notificationsOf } from './support/notifications.js';
import { parseExposition, valueOf } from './support/prometheus.js';
import { nodePost } from './support/node-post.js';

/** The per-principal limit the replicas share: requests per minute. */
const LIMIT = 150;
/** Sessions per subject across the fleet. */
const SESSIONS_PER_SUBJECT = 8;
/** What seals a call's questions, the same on every replica. */
const REQUEST_STATE_KEY = 'fleet-request-state-key-shared-by-every-replica';

/** A 2026-07-28 `tools/call` of `whoami` (no scope needed) at `url`, answered with its status. */
async function whoami(url: string, token: string): Promise<number> {
  const response = await post(url, modernCall('whoami'), { token, headers: modernHeaders('tools/call', 'whoami') });
  await response.text();
  return response.status;
}

/**
 * The same through the balancer on a connection of its own (`Connection: close`), as each of many
 * clients would: answered with the status, or the client's error when the connection broke.
 */
async function whoamiOnce(url: string, token: string): Promise<number | string> {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `Bearer ${token}`,
    connection: 'close',
    ...modernHeaders('tools/call', 'whoami'),
  };
  return nodePost(url, JSON.stringify(modernCall('whoami')), headers).then(
    (answer) => answer.status,
    (error: Error) => error.message,
  );
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
    fleet = await startFleet({
      main: buildExample(),
      replicas: 3,
      env: {
        MCP_RATE_LIMIT_PER_MINUTE: String(LIMIT),
        MCP_MAX_SESSIONS_PER_SUBJECT: String(SESSIONS_PER_SUBJECT),
        // Every replica serves /metrics and /readyz (the balancer checks the latter).
        MCP_METRICS: 'true',
        MCP_HEALTH: 'true',
        // One key for every replica: a question asked on one is answered on another (2026-07-28 rounds).
        MCP_REQUEST_STATE_KEY: REQUEST_STATE_KEY,
      },
    });
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
    // Aimed at each replica in turn: counted per replica, every one of these would pass (54 per replica at most).
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

  test("the identity provider's refusal of a token is remembered across the fleet too", async () => {
    const unknown = `unknown-${randomUUID()}`;
    const before = fleet.idp.introspectionRequests();
    for (const replica of [0, 1, 2]) expect(await whoami(at(replica), unknown)).toBe(401);
    expect(fleet.idp.introspectionRequests()).toBe(before + 1);
  });

  test('an authenticated tools/call costs one Redis round trip: the rate-limit script, nothing else', async () => {
    const token = await fleet.token('demo-writer');
    for (const replica of [0, 1, 2]) expect(await whoami(at(replica), token)).toBe(200);
    // MONITOR shows each command a client sent, and apart (source "lua") those a script ran.
    const monitor = await inspector.monitor();
    const sent: string[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua') sent.push(String(args[0]).toLowerCase());
    });
    const CALLS = 12;
    for (let index = 0; index < CALLS; index++) expect(await whoami(at(index % 3), token)).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    monitor.disconnect();
    expect(sent).toEqual(Array.from({ length: CALLS }, () => 'evalsha'));
  });

  /** One scrape of every replica's /metrics: `metric{labels}` summed over each replica's samples. */
  async function scrapeFleet(metric: string, labels: Record<string, string>): Promise<number[]> {
    return Promise.all(
      fleet.replicas.map(async (replica) => {
        const response = await fetch(`${replica.baseUrl}/metrics`);
        expect(response.status).toBe(200);
        return valueOf(parseExposition(await response.text()), metric, labels);
      }),
    );
  }

  test('the metrics of each replica, one scrape each, add up to what the fleet did', async () => {
    const calls = { metric: 'mcp_auth_requests_total', labels: { era: 'modern', method: 'tools/call', status: '200' } };
    const introspections = { metric: 'mcp_auth_introspection_requests_total', labels: { result: 'active' } };
    const callsBefore = await scrapeFleet(calls.metric, calls.labels);
    const introspectionsBefore = await scrapeFleet(introspections.metric, introspections.labels);
    const idpBefore = fleet.idp.introspectionRequests();

    const token = await fleet.token('demo-reader');
    const CALLS = 30;
    for (let index = 0; index < CALLS; index++) expect(await whoami(fleet.resourceUrl, token)).toBe(200);

    const callsAfter = await scrapeFleet(calls.metric, calls.labels);
    const perReplica = callsAfter.map((after, index) => after - callsBefore[index]);
    expect(perReplica.reduce((sum, count) => sum + count, 0)).toBe(CALLS);
    // Round-robin: the balancer spread them, and each replica counted only its own.
    expect(perReplica.filter((count) => count > 0).length).toBeGreaterThan(1);
    const introspectionsAfter = await scrapeFleet(introspections.metric, introspections.labels);
    const introspected = introspectionsAfter.reduce((sum, after, index) => sum + after - introspectionsBefore[index], 0);
    expect(introspected).toBe(fleet.idp.introspectionRequests() - idpBefore);
    expect(introspected).toBe(1);
  });

  test('a listener on one replica hears of a change made through another; a listener without the scope does not', async () => {
    const clients: Client[] = [];
    const connectTo = async (replica: number, token: string) => {
      const client = new Client({ name: 'fleet-listener', version: '1.0.0' }, { versionNegotiation: { mode: { pin: MODERN } } });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(at(replica)), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
      );
      clients.push(client);
      return client;
    };
    try {
      const reader = await connectTo(0, await fleet.token('demo-reader'));
      const writeOnly = await connectTo(2, await fleet.token('demo-writer', 'User.Write'));
      const heard = notificationsOf(reader, 'notifications/resources/updated');
      const notHeard = notificationsOf(writeOnly, 'notifications/resources/updated');
      for (const listener of [reader, writeOnly]) await listener.listen({ resourceSubscriptions: ['products://catalog'] });

      const writer = await connectTo(1, await fleet.token('demo-writer'));
      const created = await writer.callTool({ name: 'create_product', arguments: { name: `fleet-${randomUUID()}`, price: 1 } });
      expect(created.isError).toBeFalsy();

      expect((await heard.next(5_000)).params.uri).toBe('products://catalog');
      // The reader's update arrived; the write-only listener's would have come through the same channel by now.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(notHeard.received).toEqual([]);
    } finally {
      await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    }
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

  test("through the balancer, a legacy session's requests stay on one replica (stickiness on Mcp-Session-Id)", async () => {
    const legacyCalls = { era: 'legacy', method: 'tools/list', status: '200' };
    const before = await scrapeFleet('mcp_auth_requests_total', legacyCalls);
    const reader = await fleet.token('demo-reader');
    const sessionId = await openSession(fleet.resourceUrl, reader);
    const CALLS = 6;
    for (let index = 0; index < CALLS; index++) {
      const listed = await post(fleet.resourceUrl, rpc.listTools(), { token: reader, headers: { 'mcp-session-id': sessionId } });
      expect(listed.status).toBe(200);
      await listed.text();
    }
    const after = await scrapeFleet('mcp_auth_requests_total', legacyCalls);
    // Round-robin alone would have spread six calls over the three replicas; stickiness kept them on one.
    expect(after.map((count, index) => count - before[index]).sort()).toEqual([0, 0, CALLS]);
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

  test(`maxSessionsPerSubject (${SESSIONS_PER_SUBJECT}) holds across the fleet, not per replica`, async () => {
    // demo-writer opens no other session in this suite.
    const writer = await fleet.token('demo-writer');
    const statuses: number[] = [];
    const opened: string[] = [];
    for (let index = 0; index < SESSIONS_PER_SUBJECT + 2; index++) {
      const response = await post(at(index % 3), rpc.initialize(), { token: writer });
      statuses.push(response.status);
      const id = response.headers.get('mcp-session-id');
      if (id) opened.push(id);
      await response.text();
    }
    expect(statuses).toEqual([...Array.from({ length: SESSIONS_PER_SUBJECT }, () => 200), 429, 429]);
    // Ending one anywhere makes room anywhere.
    const ended = await fetch(at(2), {
      method: 'DELETE',
      headers: { authorization: `Bearer ${writer}`, 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': opened[0] },
    });
    expect(ended.status).toBe(200);
    const again = await post(at(1), rpc.initialize(), { token: writer });
    await again.text();
    expect(again.status).toBe(200);
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
    // Stopped under load. Limits count per replica (onStoreError 'local'), caches fall back to each replica's own:
    // every call is served, before, while and after Redis goes.
    let stopped: Promise<void> | undefined;
    const during = await inParallel(18, 3, (index) => {
      if (index === 3) stopped = fleet.redis.stop();
      return whoami(`${fleet.baseUrl}/mcp`, token);
    });
    await stopped;
    expect(during.filter((status) => status !== 200)).toEqual([]);
    expect(await inspector.ping().catch(() => 'down')).toBe('down');
    // New sessions open on one replica meanwhile.
    const openedDuring = { 'mcp-session-id': await openSession(at(1), token) };
    expect((await post(at(1), rpc.listTools(), { token, headers: openedDuring })).status).toBe(200);

    await fleet.redis.start();
    await inspector.connect().catch(() => undefined);
    // Within the connections' retry interval (2 s at most), counting is shared again.
    const deadline = Date.now() + 15_000;
    let shared = false;
    while (!shared && Date.now() < deadline) {
      expect(await whoami(`${fleet.baseUrl}/mcp`, warm)).toBe(200);
      shared = (await inspector.keys(`mcp-auth:${fleet.resourceUrl}:throttle:*`).catch(() => [])).length > 0;
      if (!shared) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(shared).toBe(true);
    // The session opened during the outage is recorded at its next use there, then served elsewhere too.
    let servedElsewhere = 0;
    while (servedElsewhere !== 200 && Date.now() < deadline + 10_000) {
      expect((await post(at(1), rpc.listTools(), { token, headers: openedDuring })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
      servedElsewhere = (await post(at(2), rpc.listTools(), { token, headers: openedDuring })).status;
    }
    expect(servedElsewhere).toBe(200);
  }, 60_000);

  test('a rolling restart under load (out of the balancer, SIGTERM, start, back in) loses no request', async () => {
    const token = await fleet.token('demo-writer');
    const url = `${fleet.baseUrl}/mcp`;
    const restart = async () => {
      // The documented procedure (docs/scaling.md): no new requests for it, then its graceful stop drains what it has.
      expect(await fleet.balancer('set server mcp_replicas/replica-2 state maint')).toBe('');
      await fleet.replicas[1].stop();
      await fleet.replicas[1].start();
      expect(await fleet.balancer('set server mcp_replicas/replica-2 state ready')).toBe('');
    };
    let restarted: Promise<void> | undefined;
    const results = await inParallel(24, 3, async (index) => {
      if (index === 6) restarted = restart();
      return whoamiOnce(url, token);
    });
    await restarted;
    expect(results).toEqual(results.map(() => 200));
  }, 60_000);

  test("a question asked on one replica is answered on another: the other replica verifies the first's sealed state", async () => {
    // demo-admin (delete_product needs Admin.Write) spent its rate-limit budget in the first test: wait out its window if need be.
    const admin = await fleet.token('demo-admin');
    const send = async (replica: number, body: unknown) => {
      for (let attempt = 0; ; attempt++) {
        const response = await post(at(replica), body, { token: admin, headers: modernHeaders('tools/call', 'delete_product') });
        const retryAfter = Number(response.headers.get('retry-after'));
        if (response.status !== 429 || attempt > 0) return (await response.json()) as { result?: Record<string, any>; error?: unknown };
        await response.text();
        await new Promise((resolve) => setTimeout(resolve, Math.min(61, retryAfter || 1) * 1000));
      }
    };
    const withForms = { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
    const call = modernCall('delete_product', 41, { id: 1 });
    const asking = { ...call, params: { ...call.params, _meta: { ...call.params._meta, ...withForms } } };
    const asked = await send(0, asking);
    expect(asked.result).toMatchObject({ resultType: 'input_required', inputRequests: { elicitation: { method: 'elicitation/create' } } });
    /** Round two of that call, as request `id`: the user's confirmation and the state round one sealed. */
    const confirmation = (id: number) => ({
      ...asking,
      id,
      params: {
        ...asking.params,
        inputResponses: { elicitation: { action: 'accept', content: { confirm: true } } },
        requestState: asked.result!.requestState,
      },
    });
    const answered = await send(1, confirmation(42));
    expect(answered.result).toMatchObject({ structuredContent: { id: 1, name: 'Keyboard' } });

    // An answered state is accepted once by the whole fleet: the same answer sent to a third replica is refused
    // before the method runs (Redis holds the record), so one confirmation cannot act twice.
    const again = await send(2, confirmation(43));
    expect(again).toMatchObject({ error: { code: -32602, message: 'Invalid or expired requestState' } });
  }, 90_000);

  test('killing one replica under load loses no request that was not in flight on it', async () => {
    // demo-reader: demo-writer spent most of its budget above.
    const token = await fleet.token('demo-reader');
    const url = `${fleet.baseUrl}/mcp`;
    const CONCURRENCY = 3;
    let completed = 0;
    let killed = false;
    let gone = false;
    /** Whether each request started once the killed process had exited (nothing of it could be in flight). */
    const startedAfterDeath: boolean[] = [];
    const results = await inParallel(40, CONCURRENCY, async (index) => {
      if (completed >= 10 && !killed) {
        killed = true;
        void fleet.replicas[2].kill().then(() => (gone = true));
      }
      startedAfterDeath[index] = gone;
      const status = await whoamiOnce(url, token);
      completed++;
      return status;
    });
    const after = results.filter((_, index) => startedAfterDeath[index]);
    const lost = results.filter((status) => status !== 200);
    expect(after.length).toBeGreaterThanOrEqual(5);
    // Every request sent once it was dead was served by the others...
    expect(after).toEqual(after.map(() => 200));
    // ...and the lost ones, if any, are at most those it held (in flight, or sent while it was dying).
    const exposed = results.length - after.length - 10 + CONCURRENCY;
    expect(lost.length).toBeLessThanOrEqual(exposed);
  }, 60_000);
});
