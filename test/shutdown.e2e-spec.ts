import { openSession, openSessionStream, post, rpc } from './support/harness.js';
import { GatedTools } from './support/gated-tools.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { describeOnPlatforms } from './support/platforms.js';

describeOnPlatforms('graceful shutdown', (platform) => {
  /** Item 6: app.close() lets in-flight calls finish, closes sessions, ends streams, within a bounded time. */
  describe('graceful shutdown', () => {
    let h: LibraryApp | undefined;

    afterEach(async () => {
      h?.app.get(GatedTools).open();
      await h?.close();
      h = undefined;
    });

    async function openStream(resourceUrl: string, token: string, sessionId: string): Promise<ReadableStreamDefaultReader<Uint8Array>> {
      const stream = await openSessionStream(resourceUrl, token, sessionId);
      expect(stream.status).toBe(200);
      return stream.body!.getReader();
    }

    async function untilEnd(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<'ended'> {
      for (let read = await reader.read(); !read.done; read = await reader.read());
      return 'ended';
    }

    it('finishes the in-flight tool call, refuses new requests with 503 meanwhile, then closes sessions and ends their streams', async () => {
      h = await startLibraryApp({ shutdownTimeoutMs: 10_000 }, [GatedTools], platform);
      const tools = h.app.get(GatedTools);
      const token = await h.token('demo-reader');
      const sessionId = await openSession(h.resourceUrl, token);
      const stream = await openStream(h.resourceUrl, token, sessionId);
      const streamEnded = untilEnd(stream);

      const inFlight = post(h.resourceUrl, rpc.callTool('gated', {}, 5), { token, headers: { 'mcp-session-id': sessionId } });
      await tools.whenRunning(1);
      const closing = h.app.close();

      const refused = await untilRefused(h.resourceUrl, token, { 'mcp-session-id': sessionId });
      expect(refused?.headers.get('retry-after')).toBe('1');
      expect(((await refused!.json()) as any).error.message).toMatch(/shutting down/);

      tools.open();
      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as any).result.content).toEqual([{ type: 'text', text: 'finished' }]);

      await closing;
      await h.close();
      expect(await streamEnded).toBe('ended');
    });

    it('gives up waiting after shutdownTimeoutMs: the stuck call is aborted and close() returns', async () => {
      h = await startLibraryApp({ shutdownTimeoutMs: 200 }, [GatedTools], platform);
      const tools = h.app.get(GatedTools);
      const token = await h.token('demo-reader');
      const sessionId = await openSession(h.resourceUrl, token);
      const stuck = post(h.resourceUrl, rpc.callTool('gated', {}, 6), { token, headers: { 'mcp-session-id': sessionId } }).then(
        async (response) => `answered ${response.status}: ${await response.text()}`,
        () => 'connection closed',
      );
      await tools.whenRunning(1);

      await h.close();
      // Closing the session aborts its handlers with the SDK's connection-closed error.
      expect(tools.aborted).toEqual(['SdkError']);
      expect(await stuck).toMatch(/^answered 503: .*shut down before this request finished/);
    });
  });

  describe('graceful shutdown while a request is still being authenticated', () => {
    it('counts a request from its arrival: one in the guards when close() begins is answered, not cut off', async () => {
      let arrived!: () => void;
      const inGuards = new Promise<void>((resolve) => (arrived = resolve));
      let release!: (known: boolean) => void;
      const decision = new Promise<boolean>((resolve) => (release = resolve));
      // validateUser runs inside authentication, before the endpoint: it holds the request there.
      const validateUser = () => {
        arrived();
        return decision;
      };
      const h = await startLibraryApp({ stateless: true, validateUser, tokenCache: false }, [], platform);
      try {
        const token = await h.token('demo-reader');
        const pending = post(h.resourceUrl, rpc.listTools(9), { token }).then(
          async (response) => ({ status: response.status, body: await response.text() }),
          (error: Error) => ({ status: 0, body: `${error.message} (${String((error.cause as Error)?.message)})` }),
        );
        await inGuards;
        const closing = h.app.close();
        await new Promise((resolve) => setTimeout(resolve, 100)); // closing has begun draining
        release(true);
        const answer = await pending;
        expect(answer.status).toBe(200);
        expect(JSON.parse(answer.body)).toMatchObject({ id: 9, result: { tools: expect.any(Array) } });
        await closing;
      } finally {
        release(true);
        await h.close();
      }
    });
  });

  describe('graceful shutdown (stateless)', () => {
    it('finishes an in-flight call of a stateless endpoint before close() returns', async () => {
      const h = await startLibraryApp({ stateless: true }, [GatedTools], platform);
      const tools = h.app.get(GatedTools);
      try {
        const token = await h.token('demo-reader');
        const inFlight = post(h.resourceUrl, rpc.callTool('gated', {}, 8), { token });
        await tools.whenRunning(1);
        const closing = h.app.close();
        expect((await untilRefused(h.resourceUrl, token))?.status).toBe(503);
        tools.open();
        const answer = await inFlight;
        expect(answer.status).toBe(200);
        expect(((await answer.json()) as any).result.content).toEqual([{ type: 'text', text: 'finished' }]);
        await closing;
      } finally {
        tools.open();
        await h.close();
      }
    });
  });
});

/** Sends requests until the server refuses one with 503 (it is draining); bounded in count. */
async function untilRefused(resourceUrl: string, token: string, headers: Record<string, string> = {}): Promise<Response | undefined> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const response = await post(resourceUrl, rpc.listTools(), { token, headers });
    if (response.status === 503) return response;
    await response.arrayBuffer();
  }
  return undefined;
}
