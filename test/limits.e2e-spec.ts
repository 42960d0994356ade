import { connect } from 'node:net';
import { openSession, post, rpc, startHarness } from './support/harness.js';
import type { Harness } from './support/harness.js';
import { GatedTools } from './support/gated-tools.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { describeOnPlatforms } from './support/platforms.js';

describeOnPlatforms('limits', (platform, onPlatform) => {
  /** Item 3: every resource a caller can make the server hold is bounded, with a clear refusal. */
  describe('limits (example server, set by environment)', () => {
    let h: Harness;
    let reader: string;
    let writer: string;
    let admin: string;

    beforeAll(async () => {
      h = await startHarness({
        ...onPlatform,
        MCP_MAX_SESSIONS: '3',
        MCP_MAX_SESSIONS_PER_SUBJECT: '2',
        MCP_MAX_BODY_BYTES: '2048',
        MCP_MAX_HEADER_BYTES: '4096',
        MCP_SESSION_MAX_LIFETIME_MS: '2000',
        MCP_BODY_TIMEOUT_MS: '500',
      });
      [reader, writer, admin] = await Promise.all([h.token('demo-reader'), h.token('demo-writer'), h.token('demo-admin')]);
    });
    afterAll(() => h?.close());

    function closeSession(sessionId: string, token: string) {
      return fetch(h.resourceUrl, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}`, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
      });
    }

    it('answers a body over the limit with 413 before parsing it', async () => {
      const response = await post(h.resourceUrl, rpc.callTool('create_product', { name: 'x'.repeat(4096), price: 1 }), { token: writer });
      expect(response.status).toBe(413);
      expect(((await response.json()) as any).error.message).toMatch(/larger than 2048 bytes/);
    });

    it('answers a body that trickles in with 408 after MCP_BODY_TIMEOUT_MS, and closes the connection', async () => {
      const { hostname, port, pathname } = new URL(h.resourceUrl);
      const body = JSON.stringify(rpc.callTool('whoami'));
      // Resolves only when the server closes the connection (an idle socket errors after 5 s instead).
      const answer = await new Promise<{ status: number; connection: string | undefined; text: string }>((resolve, reject) => {
        const socket = connect(Number(port), hostname, () => {
          socket.write(
            `POST ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${reader}\r\nContent-Type: application/json\r\n` +
              `Accept: application/json, text/event-stream\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
          );
        });
        let raw = '';
        socket.setTimeout(5_000, () => socket.destroy(new Error('no answer within 5 s')));
        socket.on('data', (chunk) => (raw += chunk.toString('utf8')));
        socket.on('error', reject);
        socket.on('close', () => {
          const [head, text = ''] = raw.split('\r\n\r\n');
          resolve({ status: Number(head.split(' ', 2)[1]), connection: /^connection: (.*)$/im.exec(head)?.[1], text });
        });
      });
      expect(answer.status).toBe(408);
      expect(answer.connection?.toLowerCase()).toBe('close');
      expect(JSON.parse(answer.text)).toEqual({
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Request Timeout: the body did not arrive within 500 ms' },
        id: null,
      });
    });

    it('answers a header section over the limit with 431, before any token work', async () => {
      const response = await post(h.resourceUrl, rpc.initialize(), { token: 'not-even-a-jwt', headers: { 'x-padding': 'p'.repeat(5000) } });
      expect(response.status).toBe(431);
      expect(response.headers.get('www-authenticate')).toBeNull();
      expect(((await response.json()) as any).error.message).toMatch(/at most 4096 bytes/);
    });

    it('refuses sessions beyond the per-subject limit (429) and beyond the total (503), with Retry-After, until one closes', async () => {
      const first = await openSession(h.resourceUrl, reader);
      await openSession(h.resourceUrl, reader);
      const overSubject = await post(h.resourceUrl, rpc.initialize(), { token: reader });
      expect(overSubject.status).toBe(429);
      expect(Number(overSubject.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await overSubject.json()) as any).error.message).toMatch(/already has 2 open sessions/);

      await openSession(h.resourceUrl, writer);
      const overTotal = await post(h.resourceUrl, rpc.initialize(), { token: admin });
      expect(overTotal.status).toBe(503);
      expect(Number(overTotal.headers.get('retry-after'))).toBeGreaterThan(0);
      await overTotal.arrayBuffer();

      expect((await closeSession(first, reader)).status).toBe(200);
      const admitted = await openSession(h.resourceUrl, admin);
      expect(admitted).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('closes a session at its maximum lifetime even while it is in use', async () => {
      // The sessions of the previous case expire too, so this one gets a place.
      let sessionId: string | undefined;
      for (let attempt = 0; attempt < 20 && !sessionId; attempt++) {
        sessionId = await openSession(h.resourceUrl, writer).catch(() => undefined);
        if (!sessionId) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
      let status = 200;
      for (let i = 0; i < 40 && status === 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        const response = await post(h.resourceUrl, rpc.listTools(), { token: writer, headers: { 'mcp-session-id': sessionId! } });
        status = response.status;
        await response.arrayBuffer();
      }
      expect(status).toBe(404);
    });
  });

  describe('per-request timeout (library options)', () => {
    let h: LibraryApp;
    let tools: GatedTools;

    beforeAll(async () => {
      h = await startLibraryApp({ requestTimeoutMs: 300, stateless: true }, [GatedTools], platform);
      tools = h.app.get(GatedTools);
    });
    afterAll(async () => {
      tools?.open();
      await h?.close();
    });

    it('aborts a tool call that outlives requestTimeoutMs: its signal fires and the caller gets a JSON-RPC timeout error', async () => {
      const reader = await h.token('demo-reader');
      const response = await post(h.resourceUrl, rpc.callTool('gated', {}, 7), { token: reader });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        jsonrpc: '2.0',
        id: 7,
        error: { code: -32001, message: 'Tool gated did not finish within 300 ms' },
      });
      expect(tools.aborted).toEqual(['DeadlineExceeded']);
    });
  });
});
