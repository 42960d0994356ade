import type { IncomingMessage } from 'node:http';
import type { AuthScheme } from './www-authenticate.js';

/**
 * What the `Authorization` header of a request holds: nothing, something unreadable, or an
 * access token with the scheme it came with (`Bearer`, or `DPoP` with a proof beside it).
 */
export type BearerCredentials =
  | { readonly kind: 'missing' }
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'bearer'; readonly token: string; readonly scheme: AuthScheme };

const CREDENTIALS = Symbol('mcp-auth:credentials');
const MISSING: BearerCredentials = { kind: 'missing' };
/** RFC 6750 §2.1: `Bearer` (any case), one or more spaces, a b64token; RFC 9449 §7.1: `DPoP` likewise (a token68). */
const BEARER = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** What a well-formed `Authorization` header looks like, for the 400 that answers another. */
export const AUTHORIZATION_FORMAT = "The Authorization header must be 'Bearer <access token>'";
const MAX_TOKEN_LENGTH = 16 * 1024;

type RequestWithCredentials = IncomingMessage & { [CREDENTIALS]?: BearerCredentials };

/**
 * Reads the access token from the `Authorization` header, and only from there:
 * RFC 6750's query and form-body methods are refused, as the MCP specification
 * requires. The result is memoised on the request.
 */
export function bearerCredentialsOf(req: IncomingMessage): BearerCredentials {
  const request = req as RequestWithCredentials;
  return (request[CREDENTIALS] ??= parse(req));
}

function parse(req: IncomingMessage): BearerCredentials {
  if (req.url && req.url.includes('access_token') && new URL(req.url, 'http://x').searchParams.has('access_token')) {
    return { kind: 'malformed', reason: 'Access tokens are accepted only in the Authorization header' };
  }
  const header = req.headers.authorization;
  if (header === undefined) return MISSING;
  // Node keeps only the first of repeated Authorization headers; two credentials are a malformed request (RFC 6750 §3.1).
  if (authorizationHeaderCount(req) > 1) return { kind: 'malformed', reason: 'The request has more than one Authorization header' };
  if (header.length > MAX_TOKEN_LENGTH) return { kind: 'malformed', reason: 'The Authorization header is too long' };
  const match = BEARER.exec(header);
  if (!match) {
    return { kind: 'malformed', reason: AUTHORIZATION_FORMAT };
  }
  // Schemes are case-insensitive (RFC 9110 §11.1); the name is kept in its registered spelling.
  return { kind: 'bearer', token: match[2], scheme: match[1].length === 4 ? 'DPoP' : 'Bearer' };
}

function authorizationHeaderCount(req: IncomingMessage): number {
  const raw = req.rawHeaders;
  if (!raw) return 1;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 13 && raw[i].toLowerCase() === 'authorization') count++;
  }
  return count;
}
