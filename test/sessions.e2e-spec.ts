import { openSession, post, rpc, startHarness } from './support/harness.js';
import type { Harness } from './support/harness.js';
import { describeOnPlatforms } from './support/platforms.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describeOnPlatforms('sessions', (_platform, onPlatform) => {
  /** 6. Sessions belong to the subject that opened them; every request is authenticated. */
  describe('sessions (default mode)', () => {
    let h: Harness;
    let reader: string;
    let admin: string;

    beforeAll(async () => {
      h = await startHarness({ ...onPlatform, MCP_SESSION_IDLE_TIMEOUT_MS: '1500' });
      [reader, admin] = await Promise.all([h.token('demo-reader'), h.token('demo-admin')]);
    });
    afterAll(() => h?.close());

    function inSession(sessionId: string, token: string, body: unknown = rpc.listTools()) {
      return post(h.resourceUrl, body, { token, headers: { 'mcp-session-id': sessionId } });
    }

    function onSession(method: 'GET' | 'DELETE', sessionId: string, token: string) {
      return fetch(h.resourceUrl, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'mcp-session-id': sessionId,
          accept: 'text/event-stream',
          'mcp-protocol-version': '2025-11-25',
        },
      });
    }

    it('gives each session a random id', async () => {
      const [first, second] = await Promise.all([openSession(h.resourceUrl, reader), openSession(h.resourceUrl, reader)]);
      expect(first).toMatch(UUID);
      expect(second).toMatch(UUID);
      expect(first).not.toBe(second);
    });

    it("refuses another subject's POST, GET stream and DELETE on a session with 404, and the owner keeps it", async () => {
      const sessionId = await openSession(h.resourceUrl, reader);
      const post = await inSession(sessionId, admin);
      expect(post.status).toBe(404);
      expect(((await post.json()) as any).error.message).toBe('Session not found');
      const stream = await onSession('GET', sessionId, admin);
      expect(stream.status).toBe(404);
      await stream.body?.cancel();
      const del = await onSession('DELETE', sessionId, admin);
      expect(del.status).toBe(404);

      const owner = await inSession(sessionId, reader);
      expect(owner.status).toBe(200);
      expect(((await owner.json()) as any).result.tools.length).toBe(2);
    });

    it('still authenticates every request on a session: no token, no access', async () => {
      const sessionId = await openSession(h.resourceUrl, reader);
      const response = await post(h.resourceUrl, rpc.listTools(), { headers: { 'mcp-session-id': sessionId } });
      expect(response.status).toBe(401);
    });

    it('lets the owner open the GET stream', async () => {
      const sessionId = await openSession(h.resourceUrl, reader);
      const stream = await onSession('GET', sessionId, reader);
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toBe('text/event-stream');
      await stream.body?.cancel();
    });

    it('closes a session on DELETE by its owner', async () => {
      const sessionId = await openSession(h.resourceUrl, reader);
      const del = await onSession('DELETE', sessionId, reader);
      expect(del.status).toBe(200);
      const after = await inSession(sessionId, reader);
      expect(after.status).toBe(404);
    });

    it('closes a session after the idle timeout', async () => {
      const sessionId = await openSession(h.resourceUrl, reader);
      expect((await inSession(sessionId, reader)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect((await inSession(sessionId, reader)).status).toBe(404);
    });

    it('requires Mcp-Session-Id on requests other than initialize', async () => {
      const response = await post(h.resourceUrl, rpc.listTools(), { token: reader });
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).error.message).toMatch(/Mcp-Session-Id/);
    });

    it('answers other methods with 405 and Allow', async () => {
      const response = await fetch(h.resourceUrl, { method: 'PUT', headers: { authorization: `Bearer ${reader}` } });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, POST, DELETE, OPTIONS');
    });

    it('answers an unknown session id with 404', async () => {
      const response = await inSession('00000000-0000-4000-8000-000000000000', reader);
      expect(response.status).toBe(404);
    });
  });

  /** 7. Stateless: no session ids, every request stands alone. */
  describe('stateless mode', () => {
    let h: Harness;
    let reader: string;

    beforeAll(async () => {
      h = await startHarness({ ...onPlatform, MCP_STATELESS: 'true' });
      reader = await h.token('demo-reader');
    });
    afterAll(() => h?.close());

    it('issues no session id on initialize', async () => {
      const response = await post(h.resourceUrl, rpc.initialize(), { token: reader });
      expect(response.status).toBe(200);
      expect(response.headers.get('mcp-session-id')).toBeNull();
      expect(((await response.json()) as any).result.serverInfo).toEqual({ name: 'product-catalog', version: '1.0.0' });
    });

    it('serves a tools/call with no prior initialize', async () => {
      const response = await post(h.resourceUrl, rpc.callTool('whoami'), { token: reader });
      expect(response.status).toBe(200);
      const body = (await response.json()) as any;
      expect(JSON.parse(body.result.content[0].text)).toEqual({ sub: 'demo-reader', clientId: 'demo-reader', scopes: ['User.Read'] });
    });

    it('has no GET stream (405)', async () => {
      const response = await fetch(h.resourceUrl, { headers: { authorization: `Bearer ${reader}`, accept: 'text/event-stream' } });
      expect(response.status).toBe(405);
    });
  });
});
