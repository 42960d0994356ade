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

/** A 2026-07-28 `subscriptions/listen` request: `notifications` is the filter, `meta` adds to the envelope. */
export function modernListen(id: number, notifications: Record<string, unknown>, meta: Record<string, unknown> = {}) {
  return { jsonrpc: '2.0', id, method: 'subscriptions/listen', params: { notifications, _meta: { ...envelope(), ...meta } } };
}

/**
 * A listen request whose body is exactly `bytes` long, the worst case for what a stream may
 * keep: `uriCount` `resourceSubscriptions` of 64 characters each (the SDK keeps them for the
 * stream's life), and the rest in the hostile shape (many tiny objects under an `_meta` key of
 * the caller's own) that costs the most heap per byte if anything keeps the request.
 */
export function listenRequestOfSize(bytes: number, id = 1, uriCount = 256): string {
  const uris = Array.from({ length: uriCount }, (_, i) => `products://items/${String(i).padStart(47, '0')}`);
  const body = (count: number, pad: string) =>
    JSON.stringify(
      modernListen(id, { resourceSubscriptions: uris }, { 'com.example/pad': { pad, objects: Array.from({ length: count }, () => ({})) } }),
    );
  const size = (text: string) => Buffer.byteLength(text);
  // Each further `{}` takes three bytes (with its comma).
  let count = Math.max(0, Math.floor((bytes - size(body(0, ''))) / 3));
  while (count > 0 && size(body(count, '')) > bytes) count--;
  const text = body(count, 'x'.repeat(Math.max(0, bytes - size(body(count, '')))));
  if (size(text) !== bytes) throw new Error(`could not build a listen request of ${bytes} bytes`);
  return text;
}
