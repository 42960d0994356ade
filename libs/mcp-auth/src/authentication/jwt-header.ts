import type { JwtHeader } from './identity-providers/issuer-options.js';
import type { JwtClaims } from './principal.js';

const MAX_SEGMENT_LENGTH = 16 * 1024;

/** The header members that pick a verification key: `alg` (required) and `kid`. */
export interface JwtKeyHeader {
  readonly alg: string;
  readonly kid?: string;
}

/** The `alg` of a compact JWS, or undefined when the header cannot be read. Never throws. */
export function jwtHeaderAlgorithm(token: string): string | undefined {
  const end = token.indexOf('.');
  if (end <= 0 || end > 4096) return undefined;
  const alg = decodeSegment(token.slice(0, end))?.alg;
  return typeof alg === 'string' ? alg : undefined;
}

/**
 * Header and claims of a compact JWS, read WITHOUT verifying anything: only for
 * routing a token to its issuer and for refusing it early. Undefined when unreadable.
 */
export function decodeUnverifiedJwt(token: string): { header: JwtHeader; claims: JwtClaims } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const header = decodeSegment(parts[0]);
  const claims = decodeSegment(parts[1]);
  return header && claims ? { header, claims } : undefined;
}

const KEY_HEADER = Symbol('mcp-auth:jwt-key-header');

/**
 * `alg` and `kid` of the request's token, or undefined when the header cannot be read
 * or they have the wrong type. Memoised on the request: the key lookup and the
 * verified-token cache both need it, and the token is not kept anywhere else. Never throws.
 */
export function jwtKeyHeaderOf(req: object, token: string): JwtKeyHeader | undefined {
  const request = req as { [KEY_HEADER]?: { token: string; header: JwtKeyHeader | undefined } };
  const memo = request[KEY_HEADER];
  if (memo?.token === token) return memo.header;
  const end = token.indexOf('.');
  const { alg, kid } = (end > 0 && end <= 4096 ? decodeSegment(token.slice(0, end)) : undefined) ?? {};
  const header = typeof alg !== 'string' || (kid !== undefined && typeof kid !== 'string') ? undefined : kid === undefined ? { alg } : { alg, kid };
  request[KEY_HEADER] = { token, header };
  return header;
}

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  if (segment.length === 0 || segment.length > MAX_SEGMENT_LENGTH) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
