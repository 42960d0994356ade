import { GatedTools } from './support/gated-tools.js';
import { parseChallenge, post, rpc } from './support/harness.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { modernCall, modernHeaders } from './support/modern.js';
import { describeOnPlatforms } from './support/platforms.js';
import { until } from './support/until.js';

describeOnPlatforms('dual-era operations', (platform) => {
  /** Limits, rate limits, origin checks, SSE answers and shutdown hold for 2026-07-28 requests as for the 2025 revisions. */
  describe('operations on modern (2026-07-28) requests', () => {
    let h: LibraryApp | undefined;

    afterEach(async () => {
      h?.app.get(GatedTools, { strict: false }).open();
      await h?.close();
      h = undefined;
    });

    const call = (name: string, id = 1) => ({ body: modernCall(name, id), headers: modernHeaders('tools/call', name) });

    it('aborts a tool call that outlives requestTimeoutMs and answers the JSON-RPC timeout, id echoed', async () => {
      h = await startLibraryApp({ requestTimeoutMs: 300 }, [GatedTools], platform);
      const { body, headers } = call('gated', 31);
      const response = await post(h.resourceUrl, body, { token: await h.token('demo-reader'), headers });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ id: 31, error: { code: -32001, message: 'Tool gated did not finish within 300 ms' } });
      expect(h.app.get(GatedTools).aborted).toEqual(['DeadlineExceeded']);
    });

    it.each([
      ['modern', {}, modernCall('gated', 33), modernHeaders('tools/call', 'gated')],
      ['legacy, stateless', { stateless: true }, rpc.callTool('gated', {}, 33), { 'mcp-protocol-version': '2025-11-25' }],
    ] as const)('aborts the running tool when the client leaves before its answer (%s)', async (_era, options, body, headers) => {
      h = await startLibraryApp(options, [GatedTools], platform);
      const tools = h.app.get(GatedTools);
      const leaving = new AbortController();
      const pending = fetch(h.resourceUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${await h.token('demo-reader')}`,
          ...headers,
        },
        body: JSON.stringify(body),
        signal: leaving.signal,
      }).then(
        () => 'answered',
        () => 'left',
      );
      await tools.whenRunning(1);
      leaving.abort();
      expect(await pending).toBe('left');
      // The server learns of it from the closed connection: bounded wait, no timing asserted.
      await until(() => tools.aborted.length > 0).catch(() => undefined);
      expect(tools.aborted).toHaveLength(1);
      expect(tools.running).toBe(1);
    });

    it('refuses a disallowed Origin with 403 and applies the per-principal rate limit (429 with Retry-After)', async () => {
      h = await startLibraryApp({ rateLimit: { perPrincipal: { limit: 2, ttlMs: 60_000 } } }, [GatedTools], platform);
      const token = await h.token('demo-reader');
      const { body, headers } = call('whoami');
      const foreign = await post(h.resourceUrl, body, { token, headers: { ...headers, origin: 'https://evil.example' } });
      expect(foreign.status).toBe(403);
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 3; i++) {
        const response = await post(h.resourceUrl, body, { token, headers });
        statuses.push(response.status);
        if (response.status === 429) retryAfter = response.headers.get('retry-after');
        await response.arrayBuffer();
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
    });

    it('answers with an SSE stream when jsonResponse is false', async () => {
      h = await startLibraryApp({ jsonResponse: false }, [GatedTools], platform);
      const { body, headers } = call('whoami', 32);
      const response = await post(h.resourceUrl, body, { token: await h.token('demo-reader'), headers });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const text = await response.text();
      const data = text.split('\n').find((line) => line.startsWith('data: {'));
      expect(JSON.parse(data!.slice('data: '.length))).toMatchObject({ id: 32, result: { structuredContent: { sub: 'demo-reader' } } });
    });

    it('lets an in-flight modern call finish at shutdown, refusing new requests with 503 meanwhile', async () => {
      h = await startLibraryApp({ shutdownTimeoutMs: 10_000 }, [GatedTools], platform);
      const tools = h.app.get(GatedTools);
      const token = await h.token('demo-reader');
      const { body, headers } = call('gated', 33);
      const inFlight = post(h.resourceUrl, body, { token, headers });
      await tools.whenRunning(1);
      const closing = h.app.close();
      let refused: Response | undefined;
      for (let i = 0; i < 50 && !refused; i++) {
        const response = await post(h.resourceUrl, call('whoami').body, { token, headers: call('whoami').headers }).catch(() => undefined);
        if (response?.status === 503) refused = response;
        else await response?.arrayBuffer();
      }
      expect(refused?.headers.get('retry-after')).toBe('1');
      tools.open();
      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ id: 33, result: { content: [{ type: 'text', text: 'finished' }] } });
      await closing;
    });
    it('never names offline_access in a challenge, even when configured as a 401 hint', async () => {
      h = await startLibraryApp({ challengeScopes: ['User.Read', 'offline_access'] }, [GatedTools], platform);
      const { body, headers } = call('whoami');
      const response = await post(h.resourceUrl, body, { headers });
      expect(response.status).toBe(401);
      expect(parseChallenge(response.headers.get('www-authenticate')).params.scope).toBe('User.Read');
    });
  });
});
