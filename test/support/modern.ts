/** The current MCP revision, the one the per-request envelope names. */
export const MODERN = '2026-07-28';

/** The headers a 2026-07-28 client sends with a request. */
export function modernHeaders(method: string, name?: string): Record<string, string> {
  return { 'mcp-protocol-version': MODERN, 'mcp-method': method, ...(name === undefined ? {} : { 'mcp-name': name }) };
}

/** A 2026-07-28 `tools/call`: the per-request envelope in `params._meta`. */
export function modernCall(name: string, id = 1, args: Record<string, unknown> = {}) {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: envelope() } };
}

/** The per-request `_meta` envelope of revision 2026-07-28. */
export function envelope(): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': { name: 'e2e', version: '1.0.0' },
  };
}
