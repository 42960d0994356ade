import type { IncomingMessage, ServerResponse } from 'node:http';

/** Headers a browser client must be able to read (MCP authorization, RFC 9728 discovery, RFC 9449 §8 nonces). */
export const EXPOSED_HEADERS = 'WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version, DPoP-Nonce';
/**
 * Headers a browser client may send to the MCP endpoint: the 2025 revisions' and the
 * 2026-07-28 standard headers (`Mcp-Method`, `Mcp-Name`; `Mcp-Param-*` are echoed per preflight),
 * and a DPoP proof (RFC 9449 §4.1).
 */
export const ALLOWED_REQUEST_HEADERS =
  'Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID, Mcp-Method, Mcp-Name, DPoP';

/** A header name a tool may declare for its parameters (2026-07-28 `Mcp-Param-<name>`), as a preflight lists it. */
const PARAM_HEADER = /^mcp-param-[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** Is this request's `Origin` (if any) allowed? Requests without one (non-browser clients) are. */
export function isOriginAllowed(req: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  return origin === undefined || allowedOrigins.includes('*') || allowedOrigins.includes(origin);
}

/** Adds the CORS response headers for an allowed browser origin. */
export function applyCorsHeaders(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
  res.setHeader('Vary', 'Origin');
}

/** Answers a CORS preflight: no token needed, as browsers never send one there. */
export function answerPreflight(req: IncomingMessage, res: ServerResponse, methods: string): void {
  applyCorsHeaders(req, res);
  res.setHeader('Access-Control-Allow-Methods', methods);
  res.setHeader('Access-Control-Allow-Headers', allowedHeadersFor(req));
  res.setHeader('Access-Control-Max-Age', '600');
  res.statusCode = 204;
  res.end();
}

/**
 * The `Access-Control-Allow-Headers` answer: the fixed list, plus the `Mcp-Param-*`
 * names the preflight asks for (a wildcard is not honoured with credentials, and the
 * names are the tools' own, so they are echoed, each checked to be a header token).
 */
function allowedHeadersFor(req: IncomingMessage): string {
  const requested = req.headers['access-control-request-headers'];
  if (typeof requested !== 'string') return ALLOWED_REQUEST_HEADERS;
  const params = requested
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => PARAM_HEADER.test(name));
  return params.length === 0 ? ALLOWED_REQUEST_HEADERS : `${ALLOWED_REQUEST_HEADERS}, ${[...new Set(params)].join(', ')}`;
}
