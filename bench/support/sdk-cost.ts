/**
 * Where the MCP SDK v2 (`@modelcontextprotocol/server`) spends its time on one `tools/call`,
 * measured in-process, without HTTP, sockets or Nest (used by `npm run bench:sdk` and by the
 * bench's own SDK phase). Each step runs `warmUp` times, then `batches` timed batches of
 * `batch` calls; the figure is the median batch's time per call, in microseconds. The tool
 * does nothing (one text block), so what is measured is the SDK's own per-request work.
 */
import { performance } from 'node:perf_hooks';
import { Server, WebStandardStreamableHTTPServerTransport, classifyInboundRequest, createMcpHandler } from '@modelcontextprotocol/server';
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/server';
import { modernToolCall, modernToolCallHeaders, toolCall } from './load.js';
import { median } from './median.js';

/** The steps, in the order they are measured: label → key of the result. */
export const SDK_COST_STEPS = {
  classify: '1. classifyInboundRequest (modern tools/call, parsed body)',
  server: '2. new Server() with 2 handlers',
  modern: '3. createMcpHandler fetch, fresh server per request (modern)',
  modernJson: "3b. the same with responseMode: 'json' (no SSE upgrade possible)",
  legacySession: '4. WebStandardStreamableHTTPServerTransport.handleRequest, legacy session',
  dispatch: '5. dispatch alone: long-lived Server, in-memory Transport (legacy message)',
  bridge: '6. web bridge alone: header-only Request, Response.json(), arrayBuffer()',
} as const;

export type SdkCost = Record<keyof typeof SDK_COST_STEPS, number>;

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

/** How many calls: warm-up, then timed batches. */
export interface SdkCostRuns {
  readonly warmUp: number;
  readonly batch: number;
  readonly batches: number;
}

async function timed(runs: SdkCostRuns, step: () => unknown): Promise<number> {
  for (let i = 0; i < runs.warmUp; i++) await step();
  const batches: number[] = [];
  for (let b = 0; b < runs.batches; b++) {
    const started = performance.now();
    for (let i = 0; i < runs.batch; i++) await step();
    batches.push(((performance.now() - started) * 1000) / runs.batch);
  }
  return median(batches);
}

/** Measures every step of {@link SDK_COST_STEPS}. */
export async function measureSdkCost(runs: SdkCostRuns): Promise<SdkCost> {
  const modernBody = JSON.parse(modernToolCall('echo', { message: 'hi' })) as JSONRPCMessage;
  const modernHeaders = modernToolCallHeaders('echo');

  const classify = await timed(runs, () =>
    classifyInboundRequest({
      httpMethod: 'POST',
      protocolVersionHeader: modernHeaders['mcp-protocol-version'],
      mcpMethodHeader: modernHeaders['mcp-method'],
      mcpNameHeader: modernHeaders['mcp-name'],
      body: modernBody,
    }),
  );

  const server = await timed(runs, () => newServer());

  const modernHandler = createMcpHandler(() => newServer(), { legacy: 'reject' });
  const modernRequest = () => new Request(URL_, { method: 'POST', headers: modernHeaders });
  const modern = await timed(runs, async () => {
    const text = await (await modernHandler.fetch(modernRequest(), { parsedBody: modernBody })).text();
    if (!text.includes('"ok"')) throw new Error(`unexpected modern answer: ${text}`);
  });

  const modernJson = createMcpHandler(() => newServer(), { legacy: 'reject', responseMode: 'json' });
  const modernJsonCost = await timed(runs, async () => {
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
  const legacySession = await timed(runs, async () => {
    const response = await session.handleRequest(new Request(URL_, { method: 'POST', headers: sessionHeaders }), {
      parsedBody: legacyBody,
    });
    const text = await response.text();
    if (!text.includes('"ok"')) throw new Error(`unexpected legacy answer: ${text}`);
  });

  const direct = new DirectTransport();
  await newServer().connect(direct);
  await direct.exchange(initialize as JSONRPCMessage);
  const dispatch = await timed(runs, async () => {
    const text = await direct.exchange(legacyBody);
    if (!text.includes('"ok"')) throw new Error(`unexpected direct answer: ${text}`);
  });

  const answer = { jsonrpc: '2.0', id: 1, result: ANSWER };
  const bridge = await timed(runs, async () => {
    new Request(URL_, { method: 'POST', headers: modernHeaders });
    await Response.json(answer).arrayBuffer();
  });

  await Promise.all([modernHandler.close(), modernJson.close()]);
  return { classify, server, modern, modernJson: modernJsonCost, legacySession, dispatch, bridge };
}
