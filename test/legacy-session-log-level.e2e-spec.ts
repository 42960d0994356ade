import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startRedisServer } from './support/redis-server.js';
import type { TestRedis } from './support/redis-server.js';
import { startReplicas } from './support/replicas.js';
import type { Replicas } from './support/replicas.js';

/**
 * A 2025 session opened on one replica and continued on another (the balancer moved it, or its
 * replica restarted) keeps the log level its client set: the level is part of the session's record
 * in Redis, and the replica that restores the session logs at it.
 */
describe('a legacy session restored on another replica keeps its log level', () => {
  let redis: TestRedis;
  let fleet: Replicas;
  const clients: Client[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    fleet = await startReplicas(2, { redis: { url: redis.url } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    await fleet?.close();
    await redis?.close();
  });

  /** The v1 client on `endpoint`: a new session, or the given one continued (no second handshake). */
  async function clientOn(endpoint: string, token: string, sessionId?: string) {
    const transport = new StreamableHTTPClientTransport(new URL(endpoint), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
      ...(sessionId ? { sessionId } : {}),
    });
    const client = new Client({ name: 'e2e-log-level', version: '1.0.0' });
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => void logs.push(notification.params));
    await client.connect(transport);
    clients.push(client);
    return { client, logs, sessionId: transport.sessionId };
  }

  const importOne = (client: Client, name: string) =>
    client.callTool({ name: 'import_products', arguments: { products: [{ name, price: 1 }] } });

  it('logs at the level set on the first replica when the session is served by the second', async () => {
    const token = await fleet.token('demo-writer');
    const [a, b] = fleet.replicas;
    const first = await clientOn(a.endpoint, token);
    await first.client.setLoggingLevel('info');
    await importOne(first.client, 'On A');
    expect(first.logs).toEqual([{ level: 'info', data: 'Imported 1 of 1 products' }]);

    const moved = await clientOn(b.endpoint, token, first.sessionId);
    expect(moved.sessionId).toBe(first.sessionId);
    await importOne(moved.client, 'On B');
    expect(moved.logs).toEqual([{ level: 'info', data: 'Imported 1 of 1 products' }]);
  });

  it('a session whose client set no level stays silent on the second replica too', async () => {
    const token = await fleet.token('demo-writer');
    const [a, b] = fleet.replicas;
    const first = await clientOn(a.endpoint, token);
    const moved = await clientOn(b.endpoint, token, first.sessionId);
    await importOne(moved.client, 'Quiet on B');
    expect(moved.logs).toEqual([]);
  });
});
