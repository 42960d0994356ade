import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { nodePost } from '../../../../test/support/node-post.js';
import { McpHttpTransport } from './mcp-http-transport.js';

/** The transport an endpoint under test hands each request to. */
interface AnyTransport {
  handleRequest(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void>;
  close(): Promise<void>;
}

type Make = (options: { stateless: boolean }) => AnyTransport;

const makeOurs: Make = ({ stateless }) =>
  new McpHttpTransport({ sessionIdGenerator: stateless ? undefined : randomUUID, enableJsonResponse: true });
const makeSdk: Make = ({ stateless }) =>
  new StreamableHTTPServerTransport({ sessionIdGenerator: stateless ? undefined : randomUUID, enableJsonResponse: true });

/** `slow` answers after 200 ms, or when `gate` opens if one is given. */
function protocolServer(gate?: Promise<void>): McpServer {
  const server = new McpServer({ name: 'transport-spec', version: '1.0.0' });
  server.registerTool('echo', { inputSchema: { message: z.string() } }, async ({ message }) => ({
    content: [{ type: 'text', text: message }],
  }));
  server.registerTool('slow', { inputSchema: {} }, async () => {
    await (gate ?? new Promise((resolve) => setTimeout(resolve, 200)));
    return { content: [{ type: 'text', text: 'late' }] };
  });
  return server;
}

/** Waits until `condition` holds, checking every 5 ms, for at most 5 s. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited >= 5_000) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A loopback HTTP server handing every request, with its parsed JSON body, to `handle`. */
async function serve(
  handle: (req: IncomingMessage, res: ServerResponse, body: unknown) => Promise<void>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const http: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    await handle(req, res, text ? JSON.parse(text) : undefined);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    close: async () => {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

/**
 * A loopback HTTP endpoint over one transport kind: stateless (a server and transport
 * per request, as the SDK documents) or with sessions (kept by session id).
 */
async function endpoint(make: Make, stateless: boolean): Promise<{ url: string; close: () => Promise<void> }> {
  const sessions = new Map<string, AnyTransport>();
  const http = await serve(async (req, res, body) => {
    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? sessions.get(id) : undefined;
    if (!transport) {
      transport = make({ stateless });
      await protocolServer().connect(transport as never);
    }
    await transport.handleRequest(req, res, body);
    const opened = (transport as { sessionId?: string }).sessionId;
    if (opened) sessions.set(opened, transport);
  });
  return {
    url: http.url,
    close: async () => {
      for (const transport of sessions.values()) await transport.close();
      await http.close();
    },
  };
}

interface Exchange {
  status: number;
  contentType: string | null;
  hasSession: boolean;
  body: unknown;
}

/** One POST with Node's client (fetch would replace a Host header given to it). */
async function exchange(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Exchange> {
  const response = await nodePost(url, JSON.stringify(body), {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...headers,
  });
  let parsed: unknown;
  try {
    parsed = response.text ? JSON.parse(response.text) : null;
  } catch {
    parsed = response.text; // @hono/node-server answers a bad Host in plain text
  }
  return {
    status: response.status,
    contentType: response.headers['content-type'] ?? null,
    hasSession: 'mcp-session-id' in response.headers,
    body: parsed,
  };
}

const call = (id: number | string, name: string, args: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});
const initialize = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'spec', version: '1' } },
};

/** Requests whose answers must not depend on which transport gave them. */
const cases: Array<[string, unknown, Record<string, string>?]> = [
  ['one tool call', call(1, 'echo', { message: 'hi' })],
  ['a string id', call('abc', 'echo', { message: 'x' })],
  ['invalid tool arguments', call(2, 'echo', { message: 42 })],
  ['an unknown method', { jsonrpc: '2.0', id: 3, method: 'nope' }],
  ['a batch, answered in request order although the first finishes last', [call(4, 'slow'), call(5, 'echo', { message: 'b' })]],
  [
    'a batch with a notification',
    [{ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 99 } }, call(6, 'echo', { message: 'c' })],
  ],
  ['only a notification', { jsonrpc: '2.0', method: 'notifications/initialized' }],
  [
    'a batch with a repeated id',
    [
      { jsonrpc: '2.0', id: 7, method: 'ping' },
      { jsonrpc: '2.0', id: 7, method: 'ping' },
    ],
  ],
  ['not JSON-RPC', { hello: 'world' }],
  ['an empty batch', []],
  ['an oversized batch', Array.from({ length: 101 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' }))],
  ['an unsupported protocol version', call(8, 'echo', { message: 'v' }), { 'mcp-protocol-version': '1999-01-01' }],
  ['a supported protocol version', call(9, 'echo', { message: 'v' }), { 'mcp-protocol-version': '2025-06-18' }],
  ['an Accept without event streams', call(10, 'echo', { message: 'a' }), { accept: 'application/json' }],
  ['initialize', initialize],
  ['a Host header with a space', call(11, 'echo', { message: 'h' }), { host: 'a b' }],
  ['a Host header with a port out of range', call(12, 'echo', { message: 'h' }), { host: 'example.com:99999' }],
  ['an IPv6 Host header', call(13, 'echo', { message: 'h' }), { host: '[::1]:8080' }],
  ['an upper-case Host header', call(14, 'echo', { message: 'h' }), { host: 'Example.COM:65535' }],
];

describe('McpHttpTransport answers exactly as the SDK transport does', () => {
  describe.each([
    ['stateless', true],
    ['with a session', false],
  ])('%s', (_mode, stateless) => {
    let ours: { url: string; close: () => Promise<void> };
    let sdk: { url: string; close: () => Promise<void> };
    let sessionHeaders: { ours: Record<string, string>; sdk: Record<string, string> };

    beforeAll(async () => {
      [ours, sdk] = await Promise.all([endpoint(makeOurs, stateless), endpoint(makeSdk, stateless)]);
      sessionHeaders = { ours: {}, sdk: {} };
      if (stateless) return;
      for (const [name, target] of [
        ['ours', ours],
        ['sdk', sdk],
      ] as const) {
        const response = await fetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify(initialize),
        });
        await response.text();
        sessionHeaders[name] = { 'mcp-session-id': response.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-11-25' };
      }
    });
    afterAll(async () => {
      await ours.close();
      await sdk.close();
    });

    it.each(cases)('%s', async (_name, body, headers = {}) => {
      const [mine, theirs] = await Promise.all([
        exchange(ours.url, body, { ...sessionHeaders.ours, ...headers }),
        exchange(sdk.url, body, { ...sessionHeaders.sdk, ...headers }),
      ]);
      expect(mine).toEqual(theirs);
    });
  });

  it('answers a tool call itself, without the SDK transport, and sends the session id', async () => {
    const transport = new McpHttpTransport({ sessionIdGenerator: randomUUID, enableJsonResponse: true });
    await protocolServer().connect(transport);
    const sdkCreated = () => (transport as unknown as { sdk?: unknown }).sdk !== undefined;
    const http = await serve((req, res, body) => transport.handleRequest(req, res, body));
    const { url } = http;
    try {
      const opened = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify(initialize),
      });
      await opened.text();
      const session = opened.headers.get('mcp-session-id')!;
      expect(sdkCreated()).toBe(true); // initialize is the SDK transport's
      const sdk = (transport as unknown as { sdk: { handleRequest: unknown } }).sdk;
      let sdkCalls = 0;
      const original = sdk.handleRequest as (...args: unknown[]) => Promise<void>;
      sdk.handleRequest = (...args: unknown[]) => {
        sdkCalls++;
        return original.apply(sdk, args);
      };
      const answer = await exchange(url, call(1, 'echo', { message: 'direct' }), { 'mcp-session-id': session });
      expect(answer).toEqual({
        status: 200,
        contentType: 'application/json',
        hasSession: true,
        body: { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'direct' }] } },
      });
      expect(sdkCalls).toBe(0);
    } finally {
      await transport.close();
      await http.close();
    }
  });

  it('answers a stateless tool call without ever creating the SDK transport', async () => {
    const transport = new McpHttpTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await protocolServer().connect(transport);
    const http = await serve((req, res, body) => transport.handleRequest(req, res, body));
    try {
      const answer = await exchange(http.url, call(1, 'echo', { message: 'direct' }));
      expect(answer).toEqual({
        status: 200,
        contentType: 'application/json',
        hasSession: false,
        body: { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'direct' }] } },
      });
      expect((transport as unknown as { sdk?: unknown }).sdk).toBeUndefined();
    } finally {
      await transport.close();
      await http.close();
    }
  });

  it('forgets a request whose client left before the reply, so its id can be used again', async () => {
    const transport = new McpHttpTransport({ sessionIdGenerator: randomUUID, enableJsonResponse: true });
    let open = () => undefined as void;
    await protocolServer(new Promise<void>((resolve) => (open = resolve))).connect(transport);
    const http = await serve((req, res, body) => transport.handleRequest(req, res, body));
    try {
      const opened = await fetch(http.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify(initialize),
      });
      await opened.text();
      const session = { 'mcp-session-id': opened.headers.get('mcp-session-id')! };
      const pending = (transport as unknown as { pending: Map<unknown, unknown> }).pending;
      const gone = new AbortController();
      const abandoned = exchange(http.url, call(5, 'slow'), session).catch(() => undefined);
      const left = fetch(http.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...session },
        body: JSON.stringify(call(6, 'slow')),
        signal: gone.signal,
      }).catch(() => undefined);
      await until(() => pending.size === 2);
      expect([...pending.keys()].sort()).toEqual([5, 6]);
      gone.abort();
      await left;
      await until(() => pending.size === 1);
      expect([...pending.keys()]).toEqual([5]);
      open();
      expect((await abandoned)?.body).toEqual({ jsonrpc: '2.0', id: 5, result: { content: [{ type: 'text', text: 'late' }] } });
      expect(pending.size).toBe(0);
      expect((await exchange(http.url, call(6, 'echo', { message: 'again' }), session)).body).toEqual({
        jsonrpc: '2.0',
        id: 6,
        result: { content: [{ type: 'text', text: 'again' }] },
      });
    } finally {
      await transport.close();
      await http.close();
    }
  });

  it('closes once, telling the protocol server, whether or not the SDK transport was ever needed', async () => {
    for (const needSdk of [false, true]) {
      const transport = new McpHttpTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      const server = protocolServer();
      let closed = 0;
      server.server.onclose = () => closed++;
      await server.connect(transport);
      if (needSdk) (transport as unknown as { sdkTransport: () => unknown }).sdkTransport();
      await transport.close();
      await transport.close();
      expect(closed).toBe(1);
    }
  });
});
