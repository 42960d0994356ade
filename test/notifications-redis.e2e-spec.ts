import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Redis } from 'ioredis';
import type { LoggerService } from '@nestjs/common';
import { McpNotifier } from 'nestjs-mcp-auth';
import { toolJson } from './support/harness.js';
import { MODERN } from './support/modern.js';
import { notificationsOf } from './support/notifications.js';
import type { ReceivedNotifications } from './support/notifications.js';
import { startRedisServer } from './support/redis-server.js';
import type { TestRedis } from './support/redis-server.js';
import { startReplicas } from './support/replicas.js';
import type { Replica, Replicas } from './support/replicas.js';

const CATALOG = 'products://catalog';
const CHANNEL = 'notify-e2e:events';

/** Keeps what the replicas log, so a test can see that something was logged (and that no token was). */
class RecordingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown) {
    this.lines.push(String(message));
  }
  warn(message: unknown) {
    this.lines.push(String(message));
  }
  error(message: unknown) {
    this.lines.push(String(message));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Two replicas of one server in this process, each with its own Redis connections, and
 * a real `redis-server`: a change made through one replica reaches the listeners of the
 * other (2026-07-28 `subscriptions/listen` and 2025 sessions), once each; what is not an
 * event on the channel is dropped and logged; with Redis down a replica still notifies
 * its own listeners, and the replicas hear each other again once Redis is back.
 */
describe('change notifications across replicas over Redis pub/sub', () => {
  let redis: TestRedis;
  let fleet: Replicas;
  let a: Replica;
  let b: Replica;
  const logger = new RecordingLogger();
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    fleet = await startReplicas(2, { redis: { url: redis.url, keyPrefix: 'notify-e2e:' } }, { logger });
    [a, b] = fleet.replicas;
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close().catch(() => undefined)));
  });
  afterAll(async () => {
    await fleet?.close();
    await redis?.close();
  });

  async function client(replica: Replica, token: string, era: 'modern' | 'legacy'): Promise<Client> {
    const client = new Client(
      { name: `e2e-${era}`, version: '1.0.0' },
      era === 'modern' ? { versionNegotiation: { mode: { pin: MODERN } } } : {},
    );
    await client.connect(
      new StreamableHTTPClientTransport(new URL(replica.endpoint), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
    );
    closers.push(() => client.close());
    return client;
  }

  /** A modern reader listening to products://catalog through `replica`. */
  async function catalogListener(replica: Replica): Promise<ReceivedNotifications> {
    const reader = await client(replica, await fleet.token('demo-reader'), 'modern');
    const updates = notificationsOf(reader, 'notifications/resources/updated');
    const subscription = await reader.listen({ resourceSubscriptions: [CATALOG] });
    closers.push(() => subscription.close());
    return updates;
  }

  async function createProduct(replica: Replica, name: string): Promise<void> {
    const writer = await client(replica, await fleet.token('demo-writer'), 'modern');
    const result = await writer.callTool({ name: 'create_product', arguments: { name, price: 1 } });
    expect(toolJson(result)).toMatchObject({ name });
  }

  it('a listener through replica A hears of a product created through replica B, and so do listeners on B, once each', async () => {
    const onA = await catalogListener(a);
    const onB = await catalogListener(b);
    await createProduct(b, 'made on B');
    expect((await onA.next(5_000)).params.uri).toBe(CATALOG);
    expect((await onB.next(5_000)).params.uri).toBe(CATALOG);
    // Delivered once per listener: B's own message coming back from Redis is not delivered again.
    await pause(500);
    expect(onA.received).toHaveLength(1);
    expect(onB.received).toHaveLength(1);
  });

  it("a listener through A without the resource's scope hears nothing of B's change, while a scoped one does", async () => {
    const scoped = await catalogListener(a);
    const writeOnly = await client(a, await fleet.token('demo-writer', 'User.Write'), 'modern');
    const unscoped = notificationsOf(writeOnly, 'notifications/resources/updated');
    const subscription = await writeOnly.listen({ resourceSubscriptions: [CATALOG] });
    closers.push(() => subscription.close());
    await createProduct(b, 'scoped only');
    expect((await scoped.next(5_000)).params.uri).toBe(CATALOG);
    await pause(1_000);
    expect(unscoped.received).toEqual([]);
  });

  it('a legacy session on A that subscribed to products://catalog hears of a change made through B', async () => {
    const reader = await client(a, await fleet.token('demo-reader'), 'legacy');
    const updates = notificationsOf(reader, 'notifications/resources/updated');
    await reader.subscribeResource({ uri: CATALOG });
    // The session's GET stream opens beside the requests: change until it is there (bounded).
    for (let attempt = 0; attempt < 10 && updates.received.length === 0; attempt++) {
      await createProduct(b, `legacy ${attempt}`);
      await updates.next(500).catch(() => undefined);
    }
    expect(updates.received[0]?.params.uri).toBe(CATALOG);
  });

  it('drops and logs what is not an event on the channel, and keeps delivering', async () => {
    const onA = await catalogListener(a);
    const onB = await catalogListener(b);
    const publisher = new Redis(redis.url);
    closers.push(async () => void (await publisher.quit()));
    const malformed = [
      'not json',
      JSON.stringify({ v: 1, origin: 'x', event: { kind: 'everything_changed' } }),
      JSON.stringify({ v: 1, origin: 'x', event: { kind: 'resource_updated', uri: 'x'.repeat(5_000) } }),
      JSON.stringify({ v: 1, origin: 'x', event: { kind: 'resource_updated' } }),
      JSON.stringify([1, 2, 3]),
    ];
    const logged = logger.lines.length;
    for (const message of malformed) expect(await publisher.publish(CHANNEL, message)).toBe(2);
    // A valid event from a third replica is delivered: the channel still works. Each replica reads the channel in
    // order, so once both delivered it, both have read (and logged) every message before it: no timing involved.
    await publisher.publish(CHANNEL, JSON.stringify({ v: 1, origin: 'replica-c', event: { kind: 'resource_updated', uri: CATALOG } }));
    expect((await onA.next(5_000)).params.uri).toBe(CATALOG);
    expect((await onB.next(5_000)).params.uri).toBe(CATALOG);
    await pause(300);
    expect(onA.received).toHaveLength(1);
    const dropped = logger.lines.slice(logged).filter((line) => line.includes('not a valid event'));
    expect(dropped).toHaveLength(malformed.length * 2);
    expect(dropped.join('\n')).not.toContain('xxxxxxxx');
  });

  it('with Redis down a replica still notifies its own listeners; once Redis is back the replicas hear each other again', async () => {
    const onA = await catalogListener(a);
    await redis.stop();
    try {
      a.app.get(McpNotifier).resourceUpdated(CATALOG);
      expect((await onA.next(2_000)).params.uri).toBe(CATALOG);
    } finally {
      await redis.start();
    }
    // Both replicas reconnect and subscribe again by themselves (bounded wait).
    const deadline = Date.now() + 15_000;
    let heard = false;
    while (!heard && Date.now() < deadline) {
      b.app.get(McpNotifier).resourceUpdated(CATALOG);
      heard = await onA.next(500).then(
        () => true,
        () => false,
      );
    }
    expect(heard).toBe(true);
    expect(logger.lines.some((line) => line.includes("reach this replica's listeners only"))).toBe(true);
    // Subscribed again once, not twice: one more event is one more notification.
    await pause(500);
    const before = onA.received.length;
    b.app.get(McpNotifier).resourceUpdated(CATALOG);
    await onA.next(5_000);
    await pause(500);
    expect(onA.received).toHaveLength(before + 1);
  });
});
