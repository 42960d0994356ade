/**
 * `npm run bench:sdk`: where the MCP SDK v2 (`@modelcontextprotocol/server`) spends its
 * time on one `tools/call`, measured in-process, without HTTP, sockets or Nest. Each step
 * runs 20,000 times to warm up, then 5 timed batches of 20,000; the figure is the median
 * batch's time per call, in microseconds. The tool itself does nothing (returns one
 * text block), so what is measured is the SDK's own per-request work:
 *
 * 1. `classifyInboundRequest` of a valid 2026-07-28 `tools/call` (already parsed);
 * 2. a low-level `Server` with two handlers, constructed (what a per-request factory costs);
 * 3. the modern entry, `createMcpHandler(factory, { legacy: 'reject' }).fetch(request, { parsedBody })`,
 *    reading the answer's text: classification, the ladder, a fresh server, dispatch, the web `Response`;
 * 4. a legacy (2025) session's `WebStandardStreamableHTTPServerTransport.handleRequest(request, { parsedBody })`
 *    on a long-lived, initialized session, reading the answer's text;
 * 5. dispatch alone: the same request handed to a long-lived, connected `Server` through a
 *    minimal in-memory `Transport` (the SDK's public transport seam), answer serialised
 *    with `JSON.stringify`: the protocol's own validation of request and result, no HTTP layer;
 * 6. the web-standard bridge alone: a header-only `Request`, a `Response.json()` of the
 *    answer and its `arrayBuffer()` (what steps 3 and 4 pay to speak `fetch`).
 *
 * Run it pinned (`taskset -c 1 npm run bench:sdk`) on a quiet machine; compare the
 * figures with each other, not across machines.
 */
import { performance } from 'node:perf_hooks';
import { Server, WebStandardStreamableHTTPServerTransport, classifyInboundRequest, createMcpHandler } from '@modelcontextprotocol/server';
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/server';
import { modernToolCall, modernToolCallHeaders, toolCall } from './support/load.js';
import { median } from './support/median.js';

const WARM_UP = 20_000;
const BATCH = 20_000;
const BATCHES = 5;
const URL_ = 'http://127.0.0.1:3000/mcp';
const ANSWER = { content: [{ type: 'text' as const, text: 'ok' }] };

function newServer(): Server {
  const server = new Server({ name: 'sdk-cost', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler('tools/list', () => ({ tools: [{ name: 'echo', inputSchema: { type: 'object' as const } }] }));
  server.setRequestHandler('tools/call', () => ANSWER);
  return server;
}

/** A `Transport` delivering one message at a time and resolving with the server's answer. */
class DirectTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private pending?: (message: JSONRPCMessage) => void;
  async start(): Promise<void> {}
  async close(): Promise<void> {
    this.onclose?.();
  }
  async send(message: JSONRPCMessage): Promise<void> {
    this.pending?.(message);
  }
  exchange(message: JSONRPCMessage): Promise<string> {
    return new Promise((resolve) => {
      this.pending = (answer) => resolve(JSON.stringify(answer));
      this.onmessage?.(message);
    });
  }
}

async function measure(label: string, step: () => unknown): Promise<number> {
  for (let i = 0; i < WARM_UP; i++) await step();
  const batches: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const started = performance.now();
    for (let i = 0; i < BATCH; i++) await step();
    batches.push(((performance.now() - started) * 1000) / BATCH);
  }
  const figure = median(batches);
  console.log(`  ${label.padEnd(84)} ${figure.toFixed(1).padStart(7)} µs`);
  return figure;
}

async function main(): Promise<void> {
  console.log(`MCP SDK v2 per-request cost, in-process (node ${process.version}; median of ${BATCHES} x ${BATCH} calls)`);
  const modernBody = JSON.parse(modernToolCall('echo', { message: 'hi' })) as JSONRPCMessage;
  const modernHeaders = modernToolCallHeaders('echo');

  await measure('1. classifyInboundRequest (modern tools/call, parsed body)', () =>
    classifyInboundRequest({
      httpMethod: 'POST',
      protocolVersionHeader: modernHeaders['mcp-protocol-version'],
      mcpMethodHeader: modernHeaders['mcp-method'],
      mcpNameHeader: modernHeaders['mcp-name'],
      body: modernBody,
    }),
  );

  await measure('2. new Server() with 2 handlers', () => newServer());

  const modern = createMcpHandler(() => newServer(), { legacy: 'reject' });
  const modernRequest = () => new Request(URL_, { method: 'POST', headers: modernHeaders });
  const full = await measure('3. createMcpHandler fetch, fresh server per request (modern)', async () => {
    const text = await (await modern.fetch(modernRequest(), { parsedBody: modernBody })).text();
    if (!text.includes('"ok"')) throw new Error(`unexpected modern answer: ${text}`);
  });

  const modernJson = createMcpHandler(() => newServer(), { legacy: 'reject', responseMode: 'json' });
  await measure("3b. the same with responseMode: 'json' (no SSE upgrade possible)", async () => {
    const text = await (await modernJson.fetch(modernRequest(), { parsedBody: modernBody })).text();
    if (!text.includes('"ok"')) throw new Error(`unexpected modern answer: ${text}`);
  });

  const legacyHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const session = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => 'bench-session', enableJsonResponse: true });
  await newServer().connect(session);
  const initialize = {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1.0.0' } },
  };
  await session.handleRequest(new Request(URL_, { method: 'POST', headers: legacyHeaders }), { parsedBody: initialize });
  const sessionHeaders = { ...legacyHeaders, 'mcp-session-id': 'bench-session', 'mcp-protocol-version': '2025-11-25' };
  const legacyBody = JSON.parse(toolCall('echo', { message: 'hi' })) as JSONRPCMessage;
  const legacy = await measure('4. WebStandardStreamableHTTPServerTransport.handleRequest, legacy session', async () => {
    const response = await session.handleRequest(new Request(URL_, { method: 'POST', headers: sessionHeaders }), {
      parsedBody: legacyBody,
    });
    const text = await response.text();
    if (!text.includes('"ok"')) throw new Error(`unexpected legacy answer: ${text}`);
  });

  const direct = new DirectTransport();
  await newServer().connect(direct);
  await direct.exchange(initialize as JSONRPCMessage);
  const dispatch = await measure('5. dispatch alone: long-lived Server, in-memory Transport (legacy message)', async () => {
    const text = await direct.exchange(legacyBody);
    if (!text.includes('"ok"')) throw new Error(`unexpected direct answer: ${text}`);
  });

  const answer = { jsonrpc: '2.0', id: 1, result: ANSWER };
  const bridge = await measure('6. web bridge alone: header-only Request, Response.json(), arrayBuffer()', async () => {
    new Request(URL_, { method: 'POST', headers: modernHeaders });
    await Response.json(answer).arrayBuffer();
  });

  console.log('\nReading it');
  console.log(
    `  modern entry (3) over dispatch (5): ${(full - dispatch).toFixed(1)} µs per request spent before and after the handler runs`,
  );
  console.log(
    `  legacy session (4) over dispatch (5): ${(legacy - dispatch).toFixed(1)} µs, of which the web bridge (6) ~${bridge.toFixed(1)} µs`,
  );
  await Promise.all([modern.close(), modernJson.close()]);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
