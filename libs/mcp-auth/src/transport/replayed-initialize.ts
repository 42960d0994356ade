import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/**
 * Brings a fresh server and transport to the state of a session another replica opened:
 * the session's own `initialize` (same params: protocol version, client capabilities and
 * info) and `notifications/initialized` are handed to the transport in process, so the SDK
 * negotiates the same version and keeps the same capabilities exactly as it did there.
 * Only the transport's public `handleRequest` is used; its `sessionIdGenerator` must
 * return `id`, which the transport then takes as its session id. Nothing goes over the
 * network and the answers are discarded.
 *
 * @throws Error when the SDK refuses the replayed handshake (it accepted it once).
 */
export async function replayInitialize(
  transport: Pick<WebStandardStreamableHTTPServerTransport, 'handleRequest' | 'sessionId'>,
  id: string,
  params: unknown,
  url: string,
): Promise<void> {
  const initialize = { jsonrpc: '2.0', id: 'mcp-auth:restore', method: 'initialize', params };
  const answer = await transport.handleRequest(new Request(url, { method: 'POST', headers: HEADERS }), { parsedBody: initialize });
  // The answer ends once the initialize result is written (a one-event stream, or JSON).
  await answer.text();
  if (answer.status !== 200 || transport.sessionId !== id) throw new Error(`replayed initialize answered ${answer.status}`);
  const initialized = { jsonrpc: '2.0', method: 'notifications/initialized' };
  const ack = await transport.handleRequest(new Request(url, { method: 'POST', headers: { ...HEADERS, 'mcp-session-id': id } }), {
    parsedBody: initialized,
  });
  await ack.text();
  if (ack.status !== 202) throw new Error(`replayed notifications/initialized answered ${ack.status}`);
}
