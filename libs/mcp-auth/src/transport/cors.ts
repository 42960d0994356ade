import type { IncomingMessage, ServerResponse } from 'node:http';

/** Headers a browser client must be able to read (MCP authorization, RFC 9728 discovery). */
export const EXPOSED_HEADERS = 'WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version';
/** Headers a browser client may send to the MCP endpoint. */
export const ALLOWED_REQUEST_HEADERS = 'Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID';

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
  res.setHeader('Access-Control-Allow-Headers', ALLOWED_REQUEST_HEADERS);
  res.setHeader('Access-Control-Max-Age', '600');
  res.statusCode = 204;
  res.end();
}
