import type { IncomingMessage, ServerResponse } from 'node:http';

/** Where `oidc-provider` serves dynamic client registration (RFC 7591). */
export const REGISTRATION_PATH = '/reg';

/** An `http` origin on a loopback address: where browser-based development clients (MCP Inspector's web UI) run. */
const LOOPBACK_ORIGIN = /^http:\/\/(localhost|127(?:\.\d{1,3}){3}|\[::1\]):\d{1,5}$/;

/**
 * `oidc-provider` answers CORS on its discovery, keys and token endpoints, but not on the
 * registration endpoint, so a client running in a browser page could not register itself.
 * This lets pages on loopback origins do so; any other origin gets no CORS headers, as before.
 * Returns true when it answered the request (a preflight) itself.
 */
export function allowRegistrationFromLoopbackPages(req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  if (!origin || !LOOPBACK_ORIGIN.test(origin) || new URL(req.url ?? '/', 'http://dev').pathname !== REGISTRATION_PATH) return false;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Vary', 'Origin');
  if (req.method !== 'OPTIONS') return false;
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'POST',
    'Access-Control-Allow-Headers': 'Content-Type, Authorization',
    'Access-Control-Max-Age': '600',
  });
  res.end();
  return true;
}
