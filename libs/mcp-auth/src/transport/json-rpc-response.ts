import type { ServerResponse } from 'node:http';

/** JSON-RPC error codes used by the endpoint (JSON-RPC 2.0 §5.1 and the MCP SDK's own). */
export const JsonRpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  InvalidParams: -32602,
  ConnectionClosed: -32000,
  SessionNotFound: -32001,
  InternalError: -32603,
} as const;

/**
 * Answers with a JSON-RPC error object, as the SDK's transports do for HTTP-level refusals:
 * `id: null`, or the request's id when the refusal is about one request.
 */
export function writeJsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
  id: string | number | null = null,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id });
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** The id of a single JSON-RPC request, to echo in an error about it; `null` for anything else. */
export function requestIdOf(body: unknown): string | number | null {
  const id = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { id?: unknown }).id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}
