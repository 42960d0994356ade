import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpNotifier } from 'nestjs-mcp-auth';
import { post, toolJson } from './support/harness.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { MODERN, envelope, modernHeaders } from './support/modern.js';
import { notificationsOf } from './support/notifications.js';

const CATALOG = 'products://catalog';

/**
 * Tools announce changes (McpNotifier) and clients of both eras hear of them, in one
 * process: 2026-07-28 clients through `subscriptions/listen`, filtered by the scopes of
 * each listener's token and ended when it expires; 2025 sessions through
 * `resources/subscribe` and their GET stream.
 */
describe('change notifications', () => {
  let app: LibraryApp;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    app = await startLibraryApp();
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close().catch(() => undefined)));
  });
  afterAll(async () => {
    await app?.close();
  });

  async function client(token: string, era: 'modern' | 'legacy'): Promise<Client> {
    const client = new Client(
      { name: `e2e-${era}`, version: '1.0.0' },
      era === 'modern' ? { versionNegotiation: { mode: { pin: MODERN } } } : {},
    );
    await client.connect(
      new StreamableHTTPClientTransport(new URL(app.resourceUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
    );
    closers.push(() => client.close());
    return client;
  }

  async function createProduct(name: string): Promise<number> {
    const writer = await client(await app.token('demo-writer'), 'modern');
    return toolJson(await writer.callTool({ name: 'create_product', arguments: { name, price: 1 } })).id;
  }

  it('declares what it can announce: list changes of tools, resources and prompts, and resource subscriptions', async () => {
    const reader = await client(await app.token('demo-reader'), 'legacy');
    expect(reader.getServerCapabilities()).toMatchObject({
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true },
    });
  });

  it('a modern listener hears that products://catalog was updated when another client creates a product', async () => {
    const reader = await client(await app.token('demo-reader'), 'modern');
    const updates = notificationsOf(reader, 'notifications/resources/updated');
    const subscription = await reader.listen({ resourceSubscriptions: [CATALOG] });
    closers.push(() => subscription.close());
    expect(subscription.honoredFilter).toEqual({ resourceSubscriptions: [CATALOG] });

    await createProduct('announced');
    const update = await updates.next(5_000);
    expect(update.params.uri).toBe(CATALOG);
  });

  it('a listener whose token may not read the resource hears nothing, while one that may does', async () => {
    const reader = await client(await app.token('demo-reader'), 'modern');
    const writeOnly = await client(await app.token('demo-writer', 'User.Write'), 'modern');
    const heard = notificationsOf(reader, 'notifications/resources/updated');
    const notHeard = notificationsOf(writeOnly, 'notifications/resources/updated');
    for (const listener of [reader, writeOnly]) {
      const subscription = await listener.listen({ resourceSubscriptions: [CATALOG] });
      closers.push(() => subscription.close());
    }

    await createProduct('for readers only');
    expect((await heard.next(5_000)).params.uri).toBe(CATALOG);
    // The scoped listener heard it; the other had as long and more.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(notHeard.received).toEqual([]);
  });

  it('hears nothing of a resource the catalogue does not have', async () => {
    const reader = await client(await app.token('demo-reader'), 'modern');
    const updates = notificationsOf(reader, 'notifications/resources/updated');
    const subscription = await reader.listen({ resourceSubscriptions: ['secret://elsewhere', CATALOG] });
    closers.push(() => subscription.close());
    app.app.get(McpNotifier).resourceUpdated('secret://elsewhere');
    app.app.get(McpNotifier).resourceUpdated(CATALOG);
    expect((await updates.next(5_000)).params.uri).toBe(CATALOG);
    expect(updates.received.map((note) => note.params.uri)).toEqual([CATALOG]);
  });

  it('delivers the list changes a listener asked for, and only those', async () => {
    const reader = await client(await app.token('demo-reader'), 'modern');
    const tools = notificationsOf(reader, 'notifications/tools/list_changed');
    const prompts = notificationsOf(reader, 'notifications/prompts/list_changed');
    const subscription = await reader.listen({ toolsListChanged: true });
    closers.push(() => subscription.close());
    const notifier = app.app.get(McpNotifier);
    notifier.promptsChanged();
    notifier.toolsChanged();
    await tools.next(5_000);
    expect(prompts.received).toEqual([]);
  });

  it('ends a listen stream when the token that opened it expires', async () => {
    const expiresIn = 3;
    const token = await app.forge(app.claims({ sub: 'demo-reader', scope: 'User.Read', exp: Math.floor(Date.now() / 1000) + expiresIn }));
    const reader = await client(token, 'modern');
    const subscription = await reader.listen({ resourceSubscriptions: [CATALOG] });
    const opened = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const stillOpen = new Promise((resolve) => (timer = setTimeout(() => resolve('still open'), (expiresIn + 5) * 1000)));
    const ended = await Promise.race([subscription.closed, stillOpen]);
    clearTimeout(timer);
    expect(ended).toBe('remote');
    expect(Date.now() - opened).toBeLessThan((expiresIn + 2) * 1000);
  });

  it('a legacy session that subscribed to products://catalog hears of the update on its stream', async () => {
    const reader = await client(await app.token('demo-reader'), 'legacy');
    expect(reader.getProtocolEra()).toBe('legacy');
    const updates = notificationsOf(reader, 'notifications/resources/updated');
    await reader.subscribeResource({ uri: CATALOG });
    // The session's GET stream opens beside the requests: announce until it is there (bounded).
    for (let attempt = 0; attempt < 10 && updates.received.length === 0; attempt++) {
      await createProduct(`legacy ${attempt}`);
      await updates.next(500).catch(() => undefined);
    }
    expect(updates.received[0]?.params.uri).toBe(CATALOG);
  });

  it('refuses a legacy resources/subscribe without the resource scope, and for an unknown resource', async () => {
    const writeOnly = await client(await app.token('demo-writer', 'User.Write'), 'legacy');
    await expect(writeOnly.subscribeResource({ uri: CATALOG })).rejects.toMatchObject({ code: -32003 });
    const reader = await client(await app.token('demo-reader'), 'legacy');
    await expect(reader.subscribeResource({ uri: 'secret://elsewhere' })).rejects.toThrow();
  });

  it('sends list changes to legacy sessions', async () => {
    const reader = await client(await app.token('demo-reader'), 'legacy');
    const tools = notificationsOf(reader, 'notifications/tools/list_changed');
    await reader.listTools();
    for (let attempt = 0; attempt < 10 && tools.received.length === 0; attempt++) {
      app.app.get(McpNotifier).toolsChanged();
      await tools.next(500).catch(() => undefined);
    }
    expect(tools.received).toHaveLength(1);
  });
});

describe('listen streams per subject', () => {
  let app: LibraryApp;
  beforeAll(async () => {
    app = await startLibraryApp({ maxListenStreamsPerSubject: 2 });
  });
  afterAll(async () => {
    await app?.close();
  });

  /** A raw 2026-07-28 `subscriptions/listen` POST; the caller reads or cancels the answer's body. */
  function listen(token: string, id: number): Promise<Response> {
    return post(
      app.resourceUrl,
      { jsonrpc: '2.0', id, method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: envelope() } },
      { token, headers: modernHeaders('subscriptions/listen') },
    );
  }

  it('a subject holds at most maxListenStreamsPerSubject open streams: the next gets 429 with Retry-After, a closed one frees its place', async () => {
    const token = await app.token('demo-reader');
    const open = [await listen(token, 1), await listen(token, 2)];
    try {
      for (const response of open) {
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      }
      const refused = await listen(token, 3);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refused.json()).toMatchObject({ jsonrpc: '2.0', error: { message: expect.stringContaining('open listen streams') } });

      // Another subject is not affected.
      const other = await listen(await app.token('demo-writer'), 4);
      expect(other.status).toBe(200);
      await other.body!.cancel();

      // The client of the first stream goes away: its place comes back once the server sees the close.
      await open.shift()!.body!.cancel();
      let again: Response | undefined;
      for (const deadline = Date.now() + 5_000; Date.now() < deadline;) {
        again = await listen(token, 5);
        if (again.status === 200) break;
        await again.text();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(again!.status).toBe(200);
      open.push(again!);
    } finally {
      await Promise.all(open.map((response) => response.body?.cancel().catch(() => undefined)));
    }
  });
});
