import { SUPPORTED_PROTOCOL_VERSIONS, Server, createMcpHandler } from '@modelcontextprotocol/server';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { createServer, request } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { directRouteOf } from './modern-direct-route.js';
import { ModernServerPool } from './modern-server-pool.js';
import { serveWithWebHandler } from './web-exchange.js';

/**
 * The direct path's transport, against the SDK's own `createMcpHandler` on the same
 * protocol server: a result, a ladder error from the dispatch window, an in-band error, an
 * answer a notification turns into an event stream (the same bytes), a client that leaves
 * (the handler is aborted), and concurrent requests with equal ids (each gets its own answer).
 * The whole catalogue is compared in `test/modern-direct-path.e2e-spec.ts`.
 */

const MODERN = '2026-07-28';
const AUTH: AuthInfo = { token: 't', clientId: 'client-a', scopes: [] };
const aborted: unknown[] = [];

function protocolServer(supportedProtocolVersions?: string[]): Server {
  const server = new Server(
    { name: 'spec', version: '1.0.0' },
    { capabilities: { tools: {} }, ...(supportedProtocolVersions ? { supportedProtocolVersions } : {}) },
  );
  server.setRequestHandler('tools/list', () => ({ tools: [{ name: 'echo', inputSchema: { type: 'object' as const } }] }));
  server.setRequestHandler('tools/call', async (call, ctx) => {
    const name = call.params.name;
    if (name === 'notify') {
      await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: 'p-1', progress: 1, total: 2 } });
    }
    if (name === 'wait') {
      await new Promise<void>((resolve) =>
        ctx.mcpReq.signal.addEventListener('abort', () => {
          aborted.push(ctx.mcpReq.id);
          resolve();
        }),
      );
    }
    if (name.startsWith('slow-')) await new Promise((resolve) => setTimeout(resolve, 20));
    return { content: [{ type: 'text' as const, text: `${name} for ${ctx.http?.authInfo?.clientId} as ${String(ctx.mcpReq.id)}` }] };
  });
  return server;
}

function body(method: string, params: Record<string, unknown>, id: unknown = 1) {
  return {
    jsonrpc: '2.0',
    id,
    method,
    params: {
      ...params,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': MODERN,
        'io.modelcontextprotocol/clientCapabilities': {},
        'io.modelcontextprotocol/clientInfo': { name: 'spec', version: '1.0.0' },
      },
    },
  };
}

function headers(method: string, name?: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MODERN,
    'mcp-method': method,
    ...(name === undefined ? {} : { 'mcp-name': name }),
  };
}

type Serve = (req: IncomingMessage, res: ServerResponse, body: unknown) => void | Promise<void>;

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
  headers: Record<string, string | undefined>;
  text: string;
}

async function send(url: string, message: unknown, requestHeaders: Record<string, string>): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers: requestHeaders, body: JSON.stringify(message) });
  const kept = ['content-type', 'content-length', 'cache-control', 'connection', 'x-accel-buffering'];
  return {
    status: response.status,
    headers: Object.fromEntries(kept.map((name) => [name, response.headers.get(name) ?? undefined])),
    text: await response.text(),
  };
}

describe('ModernJsonTransport answers as createMcpHandler does', () => {
  let sdk: { url: string; server: HttpServer };
  let direct: { url: string; server: HttpServer };
  let pool: ModernServerPool;
  let directAnswers = 0;

  beforeAll(async () => {
    const handler = createMcpHandler(() => protocolServer(), { legacy: 'reject' });
    const viaSdk: Serve = (req, res, message) =>
      serveWithWebHandler(req, res, 'http://127.0.0.1/mcp', (r) => handler.fetch(r, { authInfo: AUTH, parsedBody: message }));
    pool = (await ModernServerPool.create(() => protocolServer([...SUPPORTED_PROTOCOL_VERSIONS, MODERN]), MODERN))!;
    sdk = await listen(viaSdk);
    direct = await listen(async (req, res, message) => {
      const route = directRouteOf(req.headers, message);
      if (!route) return viaSdk(req, res, message);
      directAnswers++;
      (await pool.transportFor(route.message.id)).dispatch(route.message, AUTH, res);
    });
  });
  afterAll(async () => {
    await pool?.close();
    for (const { server } of [sdk, direct]) {
      server.closeAllConnections();
      server.close();
    }
  });

  it.each([
    ['a tool call', body('tools/call', { name: 'echo', arguments: {} }), headers('tools/call', 'echo')],
    ['tools/list', body('tools/list', {}, 'list-1'), headers('tools/list')],
    ['server/discover', body('server/discover', {}), headers('server/discover')],
    ['a served method without a handler (404 from the dispatch window)', body('prompts/list', {}), headers('prompts/list')],
    ['params of the wrong shape (an in-band -32602)', body('tools/call', { name: 5 }), headers('tools/call')],
    ['a handler that sends a notification first: an event stream', body('tools/call', { name: 'notify' }), headers('tools/call', 'notify')],
  ])('%s', async (_label, message, requestHeaders) => {
    const before = directAnswers;
    const [viaSdk, viaDirect] = [await send(sdk.url, message, requestHeaders), await send(direct.url, message, requestHeaders)];
    expect(directAnswers).toBe(before + 1);
    expect(viaDirect).toEqual(viaSdk);
  });

  it('streams the notification before the result, in the SDK’s frames', async () => {
    const answer = await send(direct.url, body('tools/call', { name: 'notify' }, 7), headers('tools/call', 'notify'));
    expect(answer.headers['content-type']).toBe('text/event-stream');
    const frames = answer.text.split('\n\n').filter(Boolean);
    expect(frames).toHaveLength(2);
    expect(JSON.parse(frames[0].replace('event: message\ndata: ', ''))).toMatchObject({ method: 'notifications/progress' });
    expect(JSON.parse(frames[1].replace('event: message\ndata: ', ''))).toMatchObject({ id: 7, result: {} });
  });

  it('aborts the handler of a client that leaves before its answer', async () => {
    const id = `leaving-${Date.now()}`;
    const before = directAnswers;
    const outgoing = request(direct.url, { method: 'POST', headers: headers('tools/call', 'wait') });
    outgoing.on('error', () => undefined);
    outgoing.end(JSON.stringify(body('tools/call', { name: 'wait' }, id)));
    await new Promise((resolve) => setTimeout(resolve, 200));
    outgoing.destroy();
    const deadline = Date.now() + 2_000;
    while (!aborted.includes(id) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(aborted).toContain(id);
    // The id is free again afterwards: the same id is answered normally.
    const again = await send(direct.url, body('tools/call', { name: 'echo' }, id), headers('tools/call', 'echo'));
    expect(JSON.parse(again.text).result.content[0].text).toBe(`echo for client-a as ${id}`);
    expect(directAnswers).toBe(before + 2);
  });

  it('concurrent requests with the same id each get their own answer, with their own id', async () => {
    const before = directAnswers;
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, index) =>
        send(direct.url, body('tools/call', { name: `slow-${index}` }, 1), headers('tools/call', `slow-${index}`)),
      ),
    );
    expect(directAnswers).toBe(before + 24);
    answers.forEach((answer, index) => {
      const parsed = JSON.parse(answer.text);
      expect(parsed.id).toBe(1);
      expect(parsed.result.content[0].text).toBe(`slow-${index} for client-a as 1`);
    });
  });
});
