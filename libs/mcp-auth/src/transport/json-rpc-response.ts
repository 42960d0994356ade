import type { ServerResponse } from 'node:http';

/** JSON-RPC error codes used by the endpoint (JSON-RPC 2.0 §5.1 and the MCP SDK's own). */
export const JsonRpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  ConnectionClosed: -32000,
  SessionNotFound: -32001,
} as const;

/** Answers with a JSON-RPC error object (`id: null`), as the SDK's transport does for HTTP-level refusals. */
export function writeJsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
