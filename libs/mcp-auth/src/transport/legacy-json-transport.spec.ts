import { Server, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { createServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LegacyJsonTransport } from './legacy-json-transport.js';
import { serveWithWebHandler } from './web-exchange.js';

/**
 * The direct JSON path must answer exactly as the SDK's own transport does: every request
 * below goes to a server on the SDK's `WebStandardStreamableHTTPServerTransport` and to one
 * on `LegacyJsonTransport`, and the two answers must agree in status, content type,
 * session header and body. The cases cover what the direct path takes (single requests)
 * and what it must leave to the SDK (refusals, notifications, batches, initialize).
 */

const AUTH: AuthInfo = { token: 't', clientId: 'c', scopes: [] };
const ACCEPT = 'application/json, text/event-stream';
const INITIALIZE = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'spec', version: '1.0.0' } },
};

function protocolServer(): Server {
  const server = new Server({ name: 'spec', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler('tools/list', () => ({ tools: [{ name: 'echo', inputSchema: { type: 'object' as const } }] }));
  server.setRequestHandler('tools/call', (request) => ({ content: [{ type: 'text' as const, text: String(request.params.name) }] }));
  return server;
}

type Serve = (req: IncomingMessage, res: ServerResponse, body: unknown) => Promise<void>;

/** An HTTP server on loopback reading the JSON body and handing it to `serve`. */
async function listen(serve: Serve): Promise<{ url: string; server: HttpServer }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => void serve(req, res, JSON.parse(Buffer.concat(chunks).toString('utf8'))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, server };
}

interface Answer {
  status: number;
  contentType: string | null;
  sessionId: string | null;
  body: unknown;
}

async function send(url: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    sessionId: response.headers.get('mcp-session-id'),
    body: text === '' ? undefined : JSON.parse(text),
  };
}

/** Two endpoints, one per transport, each with one session opened (or stateless), and a way to ask both. */
async function pair(stateful: boolean) {
  // The same session id on both sides, so that answers carrying it compare equal.
  const options = () => ({ sessionIdGenerator: stateful ? () => 'session-1' : undefined, enableJsonResponse: true });
  // A session's transport serves every request; a stateless transport serves one (the endpoint makes one per request).
  const sessionTransports = stateful
    ? { sdk: new WebStandardStreamableHTTPServerTransport(options()), ours: new LegacyJsonTransport(options()) }
    : undefined;
  if (sessionTransports) {
    await protocolServer().connect(sessionTransports.sdk);
    await protocolServer().connect(sessionTransports.ours);
  }
  const connected = async <T extends WebStandardStreamableHTTPServerTransport | LegacyJsonTransport>(transport: T): Promise<T> => {
    await protocolServer().connect(transport);
    return transport;
  };
  let directAnswers = 0;
  const sdk = await listen(async (req, res, body) => {
    const transport = sessionTransports?.sdk ?? (await connected(new WebStandardStreamableHTTPServerTransport(options())));
    await serveWithWebHandler(req, res, 'http://127.0.0.1/mcp', (r) => transport.handleRequest(r, { authInfo: AUTH, parsedBody: body }));
  });
  const ours = await listen(async (req, res, body) => {
    const transport = sessionTransports?.ours ?? (await connected(new LegacyJsonTransport(options())));
    const direct = {
      accept: req.headers.accept,
      sessionId: req.headers['mcp-session-id'] as string | undefined,
      protocolVersion: req.headers['mcp-protocol-version'] as string | undefined,
    };
    if (transport.tryDirect(direct, body, AUTH, res)) return void directAnswers++;
    await serveWithWebHandler(req, res, 'http://127.0.0.1/mcp', (r) => transport.handleRequest(r, { authInfo: AUTH, parsedBody: body }));
  });
  const sessionHeaders: Record<string, Record<string, string>> = { sdk: {}, ours: {} };
  if (stateful) {
    for (const [name, url] of [
      ['sdk', sdk.url],
      ['ours', ours.url],
    ] as const) {
      const opened = await send(url, INITIALIZE, { accept: ACCEPT });
      sessionHeaders[name] = { 'mcp-session-id': opened.sessionId! };
      await send(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { accept: ACCEPT, ...sessionHeaders[name] });
    }
  }
  return {
    /** The same request to both; `withSession: false` leaves the session header out. */
    async both(body: unknown, headers: Record<string, string>, withSession = true): Promise<[Answer, Answer]> {
      return [
        await send(sdk.url, body, { ...headers, ...(withSession ? sessionHeaders.sdk : {}) }),
        await send(ours.url, body, { ...headers, ...(withSession ? sessionHeaders.ours : {}) }),
      ];
    },
    /** How many requests our endpoint answered on the direct path. */
    get directAnswers() {
      return directAnswers;
    },
    async close() {
      await Promise.all([sessionTransports?.sdk.close(), sessionTransports?.ours.close()]);
      for (const { server } of [sdk, ours]) {
        server.closeAllConnections();
        server.close();
      }
    },
  };
}

const call = (id: unknown, name = 'echo') => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } });

const CASES: Array<[string, unknown, Record<string, string>, boolean?]> = [
  ['tools/call', call(1), { accept: ACCEPT }],
  ['tools/call with a string id', call('abc'), { accept: ACCEPT }],
  [
    'tools/list with a supported MCP-Protocol-Version',
    { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    { accept: ACCEPT, 'mcp-protocol-version': '2025-06-18' },
  ],
  ['an unknown method', { jsonrpc: '2.0', id: 3, method: 'nope/nothing' }, { accept: ACCEPT }],
  ['tools/call with params of the wrong shape', { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 5 } }, { accept: ACCEPT }],
  ['an unsupported MCP-Protocol-Version', call(5), { accept: ACCEPT, 'mcp-protocol-version': '1999-01-01' }],
  ['Accept without text/event-stream', call(6), { accept: 'application/json' }],
  ['no Accept header', call(7), {}],
  ['not a JSON-RPC message', { jsonrpc: '1.0', id: 8, method: 'tools/call' }, { accept: ACCEPT }],
  ['a notification', { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 99 } }, { accept: ACCEPT }],
  ['a posted response', { jsonrpc: '2.0', id: 9, result: {} }, { accept: ACCEPT }],
  ['a batch of two requests', [call(10), call(11)], { accept: ACCEPT }],
  ['an empty batch', [], { accept: ACCEPT }],
  ['initialize again', INITIALIZE, { accept: ACCEPT }],
  ['extra members on the request', { ...call(12), extra: { x: 1 } }, { accept: ACCEPT }],
];

describe.each([
  ['on a session', true],
  ['stateless', false],
])('LegacyJsonTransport answers as the SDK transport does, %s', (_label, stateful) => {
  let endpoints: Awaited<ReturnType<typeof pair>>;
  beforeAll(async () => {
    endpoints = await pair(stateful);
  });
  afterAll(() => endpoints.close());

  it.each(CASES)('%s', async (_name, body, headers) => {
    const [sdk, ours] = await endpoints.both(body, headers);
    expect(ours).toEqual(sdk);
  });

  if (stateful) {
    it('a request without the session header', async () => {
      const [sdk, ours] = await endpoints.both(call(20), { accept: ACCEPT }, false);
      expect(sdk.status).toBe(400);
      expect(ours).toEqual(sdk);
    });

    it('a request naming another session', async () => {
      const [sdk, ours] = await endpoints.both(call(21), { accept: ACCEPT, 'mcp-session-id': 'not-this-one' }, false);
      expect(sdk.status).toBe(404);
      expect(ours).toEqual(sdk);
    });
  }

  it('answers the call on the direct path with the session header and the tool result', async () => {
    const before = endpoints.directAnswers;
    const [, ours] = await endpoints.both(call(30, 'direct'), { accept: ACCEPT });
    expect(endpoints.directAnswers).toBe(before + 1);
    expect(ours.status).toBe(200);
    expect(ours.contentType).toBe('application/json');
    expect(ours.sessionId).toBe(stateful ? 'session-1' : null);
    expect(ours.body).toEqual({ jsonrpc: '2.0', id: 30, result: { content: [{ type: 'text', text: 'direct' }] } });
  });
});
