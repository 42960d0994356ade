import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { McpAuditEvent } from 'nestjs-mcp-auth';
import { auditedRequest } from './support/audit-events.js';
import { openSession, openSessionStream, post, rpc } from './support/harness.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { modernCall, modernHeaders } from './support/modern.js';
import { describeOnPlatforms } from './support/platforms.js';

/** The bound on a legacy `initialize`'s params the README documents (serialized bytes). */
const INITIALIZE_PARAMS_LIMIT = 2048;
/** The per-subject session limit these tests run with. */
const SESSIONS_PER_SUBJECT = 50;

/** A full garbage collection, from inside a process started without --expose-gc. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/**
 * An `initialize` whose params serialize to exactly `bytes`: the hostile shape (many tiny
 * objects in `capabilities.experimental`) that costs the most heap per byte.
 */
function initializeOfSize(bytes: number, id = 1) {
  const params = (count: number, pad: string) => ({
    protocolVersion: '2025-11-25',
    capabilities: { experimental: { hostile: { pad, objects: Array.from({ length: count }, () => ({})) } } },
    clientInfo: { name: 'e2e', version: '1.0.0' },
  });
  const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
  let count = 0;
  while (size(params(count + 1, '')) <= bytes) count++;
  const pad = 'x'.repeat(bytes - size(params(count, '')));
  const result = params(count, pad);
  if (size(result) !== bytes) throw new Error(`could not build an initialize of ${bytes} bytes`);
  return { jsonrpc: '2.0', id, method: 'initialize', params: result };
}

describeOnPlatforms('security review (transport)', (platform) => {
  /** Security review findings on the transport (issue 11), on both protocol eras where they apply. */
  describe('security review: transport findings', () => {
    let h: LibraryApp;
    const events: McpAuditEvent[] = [];
    let reader: string;

    beforeAll(async () => {
      h = await startLibraryApp(
        { maxSessionsPerSubject: SESSIONS_PER_SUBJECT, auditSink: { record: (event) => void events.push(event) } },
        [],
        platform,
      );
      reader = await h.token('demo-reader');
    });
    afterAll(() => h?.close());

    const eventsOf = (request: () => Promise<Response>) => auditedRequest(events, request);

    describe('H1 what a legacy session keeps is bounded in bytes', () => {
      it('H1 refuses an initialize whose capabilities and client info are larger than the bound, with -32602 and no session', async () => {
        const response = await post(h.resourceUrl, initializeOfSize(INITIALIZE_PARAMS_LIMIT + 1, 9), { token: reader });
        expect(response.status).toBe(400);
        expect(response.headers.get('mcp-session-id')).toBeNull();
        const body = (await response.json()) as { id: unknown; error: { code: number; message: string } };
        expect(body).toMatchObject({ id: 9, error: { code: -32602 } });
        expect(body.error.message).toMatch(/initialize params .* more than the 2048 bytes/);
      });

      it('H1 the per-subject maximum of sessions, each opened with the largest initialize accepted, keeps the heap bounded', async () => {
        const token = await h.token('demo-writer');
        const largest = initializeOfSize(INITIALIZE_PARAMS_LIMIT);
        // It is the largest accepted: one byte more is refused.
        const tooLarge = await post(h.resourceUrl, initializeOfSize(INITIALIZE_PARAMS_LIMIT + 1), { token });
        expect(tooLarge.status).toBe(400);
        await tooLarge.arrayBuffer();
        // Warm up first: what the first session builds once (schemas, code) is not what a session keeps.
        const warmUp = await post(h.resourceUrl, largest, { token });
        await fetch(h.resourceUrl, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${token}`, 'mcp-session-id': warmUp.headers.get('mcp-session-id')! },
        }).then((response) => response.arrayBuffer());
        collectGarbage();
        const before = process.memoryUsage().heapUsed;
        const sessions: string[] = [];
        for (let i = 0; i < SESSIONS_PER_SUBJECT; i++) {
          const response = await post(h.resourceUrl, { ...largest, id: i + 1 }, { token });
          expect(response.status).toBe(200);
          sessions.push(response.headers.get('mcp-session-id')!);
          await response.arrayBuffer();
        }
        // The limit holds: one more is refused.
        const beyond = await post(h.resourceUrl, largest, { token });
        expect(beyond.status).toBe(429);
        await beyond.arrayBuffer();
        collectGarbage();
        const perSession = (process.memoryUsage().heapUsed - before) / SESSIONS_PER_SUBJECT;
        // An unbounded initialize pinned about 21 MiB per session; bounded, the README's 100 KB per idle session holds.
        expect(perSession).toBeLessThan(100 * 1024);
        await Promise.all(
          sessions.map((id) =>
            fetch(h.resourceUrl, { method: 'DELETE', headers: { authorization: `Bearer ${token}`, 'mcp-session-id': id } }).then((r) =>
              r.arrayBuffer(),
            ),
          ),
        );
      });
    });

    describe('L5 pre-dispatch 403 denials are audited with sessionId and ip', () => {
      it('L5 on a legacy session: the denial names the session and the address', async () => {
        const sessionId = await openSession(h.resourceUrl, reader);
        const { response, events: recorded } = await eventsOf(() =>
          post(h.resourceUrl, rpc.callTool('delete_product', { id: 1 }), { token: reader, headers: { 'mcp-session-id': sessionId } }),
        );
        expect(response.status).toBe(403);
        expect(recorded).toEqual([
          expect.objectContaining({ action: 'tools/call', outcome: 'denied', reason: 'insufficient_scope', sessionId, ip: '127.0.0.1' }),
        ]);
      });

      it('L5 on a modern request: the denial names the address, and no session (a modern request has none)', async () => {
        const { response, events: recorded } = await eventsOf(() =>
          post(h.resourceUrl, modernCall('delete_product', 2, { id: 1 }), {
            token: reader,
            headers: { ...modernHeaders('tools/call', 'delete_product'), 'mcp-session-id': 'not-a-session' },
          }),
        );
        expect(response.status).toBe(403);
        expect(recorded).toEqual([
          expect.objectContaining({ action: 'tools/call', outcome: 'denied', reason: 'insufficient_scope', ip: '127.0.0.1' }),
        ]);
        expect(recorded[0]).not.toHaveProperty('sessionId');
      });
    });

    describe('unknown tool calls are audited', () => {
      it('unknown tool on a legacy session and on a modern request: denied, unknown_tool, with the name asked for', async () => {
        const sessionId = await openSession(h.resourceUrl, reader);
        const legacy = await eventsOf(() =>
          post(h.resourceUrl, rpc.callTool('no_such_tool', {}, 4), { token: reader, headers: { 'mcp-session-id': sessionId } }),
        );
        expect(legacy.response.status).toBe(200);
        expect(legacy.events).toEqual([
          expect.objectContaining({ action: 'tools/call', outcome: 'denied', reason: 'unknown_tool', tool: 'no_such_tool', sessionId }),
        ]);
        const modern = await eventsOf(() =>
          post(h.resourceUrl, modernCall('no_such_tool', 5), { token: reader, headers: modernHeaders('tools/call', 'no_such_tool') }),
        );
        expect(modern.response.status).toBe(200);
        expect(modern.events).toEqual([
          expect.objectContaining({ action: 'tools/call', outcome: 'denied', reason: 'unknown_tool', tool: 'no_such_tool' }),
        ]);
      });
    });

    describe('session_not_owned audit event', () => {
      it("session_not_owned records another subject's use of a legacy session, id shortened like every event, with the address; a modern request is no such use", async () => {
        const sessionId = await openSession(h.resourceUrl, reader);
        const writer = await h.token('demo-writer');
        const { response, events: recorded } = await eventsOf(() =>
          post(h.resourceUrl, rpc.listTools(), { token: writer, headers: { 'mcp-session-id': sessionId } }),
        );
        expect(response.status).toBe(404);
        expect(recorded).toEqual([
          expect.objectContaining({
            action: 'session',
            outcome: 'denied',
            reason: 'session_not_owned',
            sessionId: sessionId.slice(0, 64),
            ip: '127.0.0.1',
          }),
        ]);
        // A modern request names no session: one it carries is ignored, never a use of someone else's session.
        const modern = await eventsOf(() =>
          post(h.resourceUrl, modernCall('whoami', 6), {
            token: writer,
            headers: { ...modernHeaders('tools/call', 'whoami'), 'mcp-session-id': sessionId },
          }),
        );
        expect(modern.response.status).toBe(200);
        expect(modern.events.filter((event) => event.reason === 'session_not_owned')).toEqual([]);
      });
    });
  });

  describe('GET stream outliving its token', () => {
    let h: LibraryApp;
    beforeAll(async () => {
      h = await startLibraryApp({}, [], platform);
    });
    afterAll(() => h?.close());

    it('GET stream is closed when the token that opened it expires', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = await h.forge(h.claims({ sub: 'demo-reader', exp: now + 2 }));
      const sessionId = await openSession(h.resourceUrl, token);
      const stream = await openSessionStream(h.resourceUrl, token, sessionId);
      expect(stream.status).toBe(200);
      const reader = stream.body!.getReader();
      const ended = (async () => {
        for (let read = await reader.read(); !read.done; read = await reader.read());
        return 'ended';
      })();
      // A guard, not a measurement: the stream must end once the token has expired.
      const guard = new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 15_000).unref());
      expect(await Promise.race([ended, guard])).toBe('ended');
      expect(Date.now()).toBeGreaterThanOrEqual((now + 2) * 1000 - 1000);
    }, 20_000);
    it('GET stream of a token expiring in months stays open (the expiry timer never overflows)', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = await h.forge(h.claims({ sub: 'demo-reader', exp: now + 90 * 24 * 3600 }));
      const sessionId = await openSession(h.resourceUrl, token);
      const open = () => openSessionStream(h.resourceUrl, token, sessionId);
      const stream = await open();
      expect(stream.status).toBe(200);
      // The first stream is still open: the session refuses a second one.
      const second = await open();
      expect(second.status).toBe(409);
      await second.arrayBuffer();
      await stream.body!.cancel();
    });
  });
});
