import { McpServer, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { randomUUID } from 'node:crypto';
import { replayInitialize } from './replayed-initialize.js';

const URL = 'http://127.0.0.1/mcp';
const ACCEPT = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const PARAMS = {
  protocolVersion: '2025-03-26',
  capabilities: { elicitation: {}, roots: { listChanged: true } },
  clientInfo: { name: 'opened-elsewhere', version: '2.0.0' },
};

async function fresh(id: string, enableJsonResponse: boolean) {
  const mcp = new McpServer({ name: 'test', version: '1.0.0' });
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => id, enableJsonResponse });
  await mcp.connect(transport);
  return { mcp, transport };
}

describe('replayInitialize: a session opened on another replica, rebuilt here', () => {
  it.each([
    ['SSE', false],
    ['JSON', true],
  ])('leaves a fresh server as the client left the original: id, protocol version, capabilities (%s answers)', async (_mode, json) => {
    const id = randomUUID();
    // The replica that opened it: the client's own initialize.
    const opened = await fresh(id, json);
    const answer = await opened.transport.handleRequest(new Request(URL, { method: 'POST', headers: ACCEPT }), {
      parsedBody: { jsonrpc: '2.0', id: 1, method: 'initialize', params: PARAMS },
    });
    expect(answer.status).toBe(200);
    await answer.text();

    const { mcp, transport } = await fresh(id, json);
    await replayInitialize(transport, id, PARAMS, URL);

    expect(transport.sessionId).toBe(id);
    expect(mcp.server.getNegotiatedProtocolVersion()).toBe('2025-03-26');
    expect(mcp.server.getNegotiatedProtocolVersion()).toBe(opened.mcp.server.getNegotiatedProtocolVersion());
    expect(mcp.server.getClientCapabilities()).toMatchObject({ elicitation: {}, roots: { listChanged: true } });
    expect(mcp.server.getClientCapabilities()).toEqual(opened.mcp.server.getClientCapabilities());
    expect(mcp.server.getClientVersion()).toEqual(opened.mcp.server.getClientVersion());
    await opened.mcp.close();

    const headers = { ...ACCEPT, 'mcp-session-id': id, 'mcp-protocol-version': '2025-03-26' };
    const ping = await transport.handleRequest(new Request(URL, { method: 'POST', headers }), {
      parsedBody: { jsonrpc: '2.0', id: 7, method: 'ping' },
    });
    expect(ping.status).toBe(200);
    expect(await ping.text()).toContain('"id":7');
    // A second initialize on it is refused, as on the replica that opened it.
    const again = await transport.handleRequest(new Request(URL, { method: 'POST', headers }), {
      parsedBody: { jsonrpc: '2.0', id: 8, method: 'initialize', params: PARAMS },
    });
    expect(again.status).toBe(400);
    await again.text();
    await mcp.close();
  });

  it('fails when the SDK refuses the recorded params', async () => {
    const id = randomUUID();
    const { mcp, transport } = await fresh(id, true);
    await expect(replayInitialize(transport, id, { capabilities: {} }, URL)).rejects.toThrow(/replayed initialize/);
    await mcp.close();
  });
});
