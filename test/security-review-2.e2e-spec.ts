import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { McpEndpoint } from '../libs/mcp-auth/src/transport/mcp-endpoint.js';
import type { McpAuditEvent } from 'nestjs-mcp-auth';
import { openSession, openSessionStream, post, rpc } from './support/harness.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { envelope, modernCall, modernHeaders, modernListen, listenRequestOfSize } from './support/modern.js';
import { describeOnPlatforms } from './support/platforms.js';
import { answerOf } from './support/sse.js';
import { nodeGet } from './support/node-post.js';
import { MetricsServer } from 'nestjs-mcp-auth';

/** The bound on a `subscriptions/listen` request the README documents (bytes of its body). */
const LISTEN_REQUEST_LIMIT = 32 * 1024;
/** The bound on its `resourceSubscriptions` (as on a legacy session). */
const LISTEN_SUBSCRIPTIONS_LIMIT = 256;
/** The default number of open listen streams per subject. */
const LISTEN_STREAMS_PER_SUBJECT = 10;

/** A full garbage collection, from inside a process started without --expose-gc. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** A 2026-07-28 request of `method` with `params` and the envelope. */
function modernRequest(method: string, params: Record<string, unknown>, id = 1) {
  return { jsonrpc: '2.0', id, method, params: { ...params, _meta: envelope() } };
}

/** A raw `subscriptions/listen` POST; the caller reads or cancels the answer's body. */
function listen(url: string, token: string, body: unknown): Promise<Response> {
  return post(url, body, { token, headers: modernHeaders('subscriptions/listen') });
}

describeOnPlatforms('second security review', (platform) => {
  describe('N1 a listen stream keeps nothing of its request', () => {
    let h: LibraryApp;
    beforeAll(async () => {
      h = await startLibraryApp({}, [], platform);
    });
    afterAll(() => h?.close());

    /** A token of a subject of its own, so that per-subject limits do not get in the way. */
    const tokenOf = (sub: string) => h.forge(h.claims({ sub, scope: 'User.Read' }));

    it('N1 refuses a listen request larger than the bound with 400, -32602, before any stream opens', async () => {
      const response = await listen(h.resourceUrl, await tokenOf('n1-size'), listenRequestOfSize(LISTEN_REQUEST_LIMIT + 1, 7));
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await response.json()) as { id: unknown; error: { code: number; message: string } };
      expect(body).toMatchObject({ id: 7, error: { code: -32602 } });
      expect(body.error.message).toContain(`${LISTEN_REQUEST_LIMIT} bytes`);
    });

    it('N1 refuses more resourceSubscriptions than the bound with 400, -32602; the bound itself is accepted', async () => {
      const token = await tokenOf('n1-count');
      const uris = (count: number) => Array.from({ length: count }, (_, i) => `products://items/${i}`);
      const tooMany = await listen(h.resourceUrl, token, modernListen(8, { resourceSubscriptions: uris(LISTEN_SUBSCRIPTIONS_LIMIT + 1) }));
      expect(tooMany.status).toBe(400);
      const body = (await tooMany.json()) as { id: unknown; error: { code: number; message: string } };
      expect(body).toMatchObject({ id: 8, error: { code: -32602 } });
      expect(body.error.message).toContain(`${LISTEN_SUBSCRIPTIONS_LIMIT}`);

      const enough = await listen(h.resourceUrl, token, modernListen(9, { resourceSubscriptions: uris(LISTEN_SUBSCRIPTIONS_LIMIT) }));
      expect(enough.status).toBe(200);
      expect(enough.headers.get('content-type')).toMatch(/^text\/event-stream/);
      await enough.body!.cancel();
    });

    /** Opens three listen streams on `app` with the largest request accepted and checks that what the SDK was given is garbage. */
    async function expectNothingKept(app: LibraryApp): Promise<void> {
      // What the SDK's modern handler is given for each request, watched without being kept.
      const endpoint = app.app.get(McpEndpoint) as unknown as {
        modern: { fetch: (request: Request, options?: object) => Promise<Response> };
      };
      const handler = endpoint.modern;
      const original = handler.fetch;
      const handedOver: Array<WeakRef<object>> = [];
      handler.fetch = (request, options) => {
        const parsedBody = (options as { parsedBody?: unknown } | undefined)?.parsedBody;
        if (typeof parsedBody === 'object' && parsedBody !== null) handedOver.push(new WeakRef(parsedBody));
        return original(request, options);
      };
      const open: Response[] = [];
      try {
        for (let i = 0; i < 3; i++) {
          const token = await app.forge(app.claims({ sub: `n1-kept-${i}`, scope: 'User.Read' }));
          const response = await listen(app.resourceUrl, token, listenRequestOfSize(LISTEN_REQUEST_LIMIT, i + 1));
          expect(response.status).toBe(200);
          // The acknowledgement: the SDK has read the request and subscribed the stream.
          const reader = response.body!.getReader();
          expect(new TextDecoder().decode((await reader.read()).value)).toContain('notifications/subscriptions/acknowledged');
          reader.releaseLock();
          open.push(response);
        }
        expect(handedOver).toHaveLength(3);
        // WeakRefs hold their target until the current job ends: collect on a later turn.
        await new Promise((resolve) => setTimeout(resolve, 50));
        collectGarbage();
        expect(handedOver.map((ref) => ref.deref() === undefined)).toEqual([true, true, true]);
      } finally {
        handler.fetch = original;
        await Promise.all(open.map((response) => response.body?.cancel().catch(() => undefined)));
      }
    }

    it('N1 nothing keeps the request of an open listen stream once the SDK has read it (the largest accepted, hostile shape)', async () => {
      await expectNothingKept(h);
    });

    it("N1 nothing keeps it either when the application's own body parser read the body", async () => {
      const parsing = await startLibraryApp({}, [], platform, { bodyParser: true });
      try {
        await expectNothingKept(parsing);
      } finally {
        await parsing.close();
      }
    });

    it(`N2 a subject holds at most ${LISTEN_STREAMS_PER_SUBJECT} open listen streams by default: the next gets 429`, async () => {
      const token = await tokenOf('n2-default');
      const open: Response[] = [];
      try {
        for (let i = 0; i < LISTEN_STREAMS_PER_SUBJECT; i++) {
          const response = await listen(h.resourceUrl, token, modernListen(i + 1, { toolsListChanged: true }));
          expect(response.status).toBe(200);
          open.push(response);
        }
        const refused = await listen(h.resourceUrl, token, modernListen(99, { toolsListChanged: true }));
        expect(refused.status).toBe(429);
        await refused.arrayBuffer();
      } finally {
        await Promise.all(open.map((response) => response.body?.cancel().catch(() => undefined)));
      }
    });
  });

  describe('N2 the process-wide limit of listen streams', () => {
    let h: LibraryApp;
    beforeAll(async () => {
      h = await startLibraryApp({ maxListenStreams: 3, maxListenStreamsPerSubject: 2 }, [], platform);
    });
    afterAll(() => h?.close());

    it('N2 a full process answers 503 with Retry-After and a JSON-RPC error naming the limit, not -32603; a closed stream frees its place', async () => {
      const [reader, writer, admin] = await Promise.all([h.token('demo-reader'), h.token('demo-writer'), h.token('demo-admin')]);
      const filter = { toolsListChanged: true };
      const open = [
        await listen(h.resourceUrl, reader, modernListen(1, filter)),
        await listen(h.resourceUrl, reader, modernListen(2, filter)),
        await listen(h.resourceUrl, writer, modernListen(3, filter)),
      ];
      try {
        for (const response of open) expect(response.status).toBe(200);
        const full = await listen(h.resourceUrl, admin, modernListen(4, filter));
        expect(full.status).toBe(503);
        expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);
        const body = (await full.json()) as { jsonrpc: string; error: { code: number; message: string } };
        expect(body.jsonrpc).toBe('2.0');
        expect(body.error.code).not.toBe(-32603);
        expect(body.error.message).toContain('3 listen streams');

        // The client of a stream goes away: its place comes back once the server sees the close.
        await open.shift()!.body!.cancel();
        let again: Response | undefined;
        for (const deadline = Date.now() + 5_000; Date.now() < deadline;) {
          again = await listen(h.resourceUrl, admin, modernListen(5, filter));
          if (again.status === 200) break;
          await again.arrayBuffer();
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(again!.status).toBe(200);
        open.push(again!);
      } finally {
        await Promise.all(open.map((response) => response.body?.cancel().catch(() => undefined)));
      }
    });
  });

  describe('N4 a refusal answered before the body was read closes the connection', () => {
    let h: LibraryApp;
    beforeAll(async () => {
      h = await startLibraryApp({}, [], platform);
    });
    afterAll(() => h?.close());

    it('N4 a token-less POST whose body trickles in gets its 401, then the connection is closed (well before bodyTimeoutMs)', async () => {
      const { port } = new URL(h.resourceUrl);
      const socket = connect(Number(port), '127.0.0.1');
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      const closed = new Promise<'closed'>((resolve) => socket.once('close', () => resolve('closed')));
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(
        'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
          'Accept: application/json, text/event-stream\r\nContent-Length: 100000\r\n\r\n{',
      );
      // One byte every 100 ms, for at most 5 s: a client that never finishes its body.
      const trickle = setInterval(() => {
        if (!socket.destroyed) socket.write(' ');
      }, 100);
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no answer within 5 s (got ${JSON.stringify(received)})`)), 5_000);
          socket.on('data', () => {
            if (!received.includes('\r\n\r\n')) return;
            clearTimeout(timer);
            resolve();
          });
        });
        expect(received).toMatch(/^HTTP\/1\.1 401 /);
        // Closed after the answer while the body still trickles, well before the body timeout (30 s by default).
        const stillOpen = new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), 5_000));
        expect(await Promise.race([closed, stillOpen])).toBe('closed');
      } finally {
        clearInterval(trickle);
        socket.destroy();
      }
    });
  });

  describe('I1 caller text is bounded wherever it is audited or echoed', () => {
    let h: LibraryApp;
    const events: McpAuditEvent[] = [];
    let reader: string;
    beforeAll(async () => {
      h = await startLibraryApp({ auditSink: { record: (event) => void events.push(event) } }, [], platform);
      reader = await h.token('demo-reader');
    });
    afterAll(() => h?.close());

    /** Caller text far longer than any name: 10,000 characters (within the 16 KiB header limit, for Mcp-Name). */
    const long = (prefix: string) => `${prefix}${'x'.repeat(10_000)}`;
    /** Sends `body` on both eras (a legacy session, a modern request); returns each answer's JSON-RPC error and audit events. */
    async function onBothEras(method: string, name: string, legacyBody: object, modernBody: object) {
      const sessionId = await openSession(h.resourceUrl, reader);
      const answers = [];
      for (const [body, headers] of [
        [legacyBody, { 'mcp-session-id': sessionId }],
        [modernBody, modernHeaders(method, name)],
      ] as const) {
        const before = events.length;
        const response = await post(h.resourceUrl, body, { token: reader, headers });
        const json = (await answerOf(response)) as { error?: { message: string; data?: { uri?: string } } };
        answers.push({ status: response.status, error: json.error, events: events.slice(before) });
      }
      return answers;
    }

    it('I1 an unknown tool name of 10,000 characters: at most 256 in the audit event and in "Unknown tool: …"', async () => {
      const name = long('no_such_tool_');
      for (const answer of await onBothEras('tools/call', name, rpc.callTool(name), modernCall(name))) {
        expect(answer.status).toBe(200);
        expect(answer.error!.message.startsWith('Unknown tool: no_such_tool_xxx')).toBe(true);
        expect(answer.error!.message.length).toBeLessThanOrEqual(300);
        expect(answer.events).toEqual([
          expect.objectContaining({ reason: 'unknown_tool', tool: expect.stringMatching(/^no_such_tool_x+…$/) }),
        ]);
        expect(answer.events[0].tool!.length).toBeLessThanOrEqual(257);
      }
    });

    it('I1 an unknown prompt name and an unknown resource URI: bounded in the audit event and in the error', async () => {
      const prompt = long('no_such_prompt_');
      for (const answer of await onBothEras('prompts/get', prompt, rpc.getPrompt(prompt), modernRequest('prompts/get', { name: prompt }))) {
        expect(answer.error!.message.length).toBeLessThanOrEqual(300);
        expect(answer.events[0].prompt!.length).toBeLessThanOrEqual(257);
      }
      const uri = long('secret://elsewhere/');
      for (const answer of await onBothEras('resources/read', uri, rpc.readResource(uri), modernRequest('resources/read', { uri }))) {
        expect(answer.error!.message.length).toBeLessThanOrEqual(300);
        expect(JSON.stringify(answer.error!.data ?? {}).length).toBeLessThanOrEqual(300);
        expect(answer.events[0].resource!.length).toBeLessThanOrEqual(257);
      }
    });

    it('I1 a templated resource read with a 10,000-character id: served, and audited with at most 256 characters of its URI', async () => {
      const uri = long('products://items/');
      for (const answer of await onBothEras('resources/read', uri, rpc.readResource(uri), modernRequest('resources/read', { uri }))) {
        expect(answer.events).toHaveLength(1);
        expect(answer.events[0].resource!.length).toBeLessThanOrEqual(257);
        expect(answer.events[0].resource!.startsWith('products://items/xxx')).toBe(true);
      }
    });
  });

  describe('open streams ask validateUser again', () => {
    const disabled = new Set<string>();
    let h: LibraryApp;
    beforeAll(async () => {
      h = await startLibraryApp({ validateUser: (principal) => !disabled.has(principal.sub), revalidateUserMs: 200 }, [], platform);
    });
    afterAll(() => h?.close());

    /** Reads a stream's body to its end in the background; `within(ms)` says whether it ended by then. */
    function watchEnd(response: Response): { within(ms: number): Promise<'ended' | 'still open'>; cancel(): Promise<void> } {
      const reader = response.body!.getReader();
      const ended = (async () => {
        while (!(await reader.read()).done);
        return 'ended' as const;
      })().catch(() => 'ended' as const);
      return {
        within: (ms) => Promise.race([ended, new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), ms))]),
        cancel: () => reader.cancel().catch(() => undefined),
      };
    }

    it('a user disabled after opening a listen stream and a legacy GET stream has both closed', async () => {
      const token = await h.token('demo-reader');
      const listenStream = await listen(h.resourceUrl, token, modernListen(1, { toolsListChanged: true }));
      expect(listenStream.status).toBe(200);
      const getStream = await openSessionStream(h.resourceUrl, token, await openSession(h.resourceUrl, token));
      expect(getStream.status).toBe(200);
      const streams = [watchEnd(listenStream), watchEnd(getStream)];
      try {
        // Known: both stay open across several re-checks.
        expect(await Promise.all(streams.map((stream) => stream.within(700)))).toEqual(['still open', 'still open']);
        disabled.add('demo-reader');
        expect(await Promise.all(streams.map((stream) => stream.within(5_000)))).toEqual(['ended', 'ended']);
        // And the next request of that user is refused as before (403, unknown user).
        const again = await listen(h.resourceUrl, token, modernListen(2, { toolsListChanged: true }));
        expect(again.status).toBe(403);
        await again.arrayBuffer();
      } finally {
        disabled.delete('demo-reader');
        await Promise.all(streams.map((stream) => stream.cancel()));
      }
    });
  });

  describe('metrics and health on the application port: the Origin rule, and for the metrics a Host rule', () => {
    let h: LibraryApp;
    let onOwnPort: LibraryApp;
    let origin: string;
    let ownPortUrl: string;
    beforeAll(async () => {
      h = await startLibraryApp({ metrics: {}, health: {} }, [], platform);
      origin = new URL(h.resourceUrl).origin;
      onOwnPort = await startLibraryApp({ metrics: { port: 0, allowedHosts: ['metrics.internal'] } }, [], platform);
      ownPortUrl = `http://127.0.0.1:${onOwnPort.app.get(MetricsServer).address()!.port}/metrics`;
    });
    afterAll(async () => {
      await h?.close();
      await onOwnPort?.close();
    });

    it('answers a scrape under its own host, localhost or an IP address; refuses another host name (DNS rebinding) with 403', async () => {
      const { port } = new URL(h.resourceUrl);
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, '10.1.2.3:9090']) {
        expect((await nodeGet(`${origin}/metrics`, { host })).status).toBe(200);
      }
      for (const host of [`rebind.attacker.example:${port}`, 'metrics.internal', 'localhost.attacker.example']) {
        const refused = await nodeGet(`${origin}/metrics`, { host });
        expect(refused.status).toBe(403);
        expect(refused.text).not.toContain('mcp_auth_');
      }
    });

    it('refuses a scrape or a health check carrying a foreign Origin with 403, as the MCP endpoint does', async () => {
      for (const path of ['/metrics', '/healthz', '/readyz']) {
        const refused = await nodeGet(`${origin}${path}`, { origin: 'https://attacker.example' });
        expect(refused.status).toBe(403);
        expect((await nodeGet(`${origin}${path}`, { origin })).status).not.toBe(403);
      }
    });

    it('answers a health check under any Host: orchestrators probe with theirs, and it tells nothing', async () => {
      expect((await nodeGet(`${origin}/healthz`, { host: 'anything.example' })).status).toBe(200);
    });

    it('applies the Host rule on the metrics port too, with metrics.allowedHosts added to the defaults', async () => {
      expect((await nodeGet(ownPortUrl, { host: 'metrics.internal:9464' })).status).toBe(200);
      expect((await nodeGet(ownPortUrl, {})).status).toBe(200);
      expect((await nodeGet(ownPortUrl, { host: 'rebind.attacker.example' })).status).toBe(403);
    });
  });
});
