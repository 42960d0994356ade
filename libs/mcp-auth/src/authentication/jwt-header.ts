import type { JwtHeader } from './identity-providers/issuer-options.js';
import type { JwtClaims } from './principal.js';

const MAX_SEGMENT_LENGTH = 16 * 1024;
const MAX_HEADER_LENGTH = 4096;

/** The header members that pick a verification key: `alg` (required) and `kid`. */
export interface JwtKeyHeader {
  readonly alg: string;
  readonly kid?: string;
}

/** Header and claims of a compact JWS, read WITHOUT verifying anything. */
export interface UnverifiedJwt {
  readonly header: JwtHeader;
  readonly claims: JwtClaims;
  /** `alg` and `kid`, when they have the right types. */
  readonly keyHeader: JwtKeyHeader | undefined;
}

/** The `alg` of a compact JWS, or undefined when the header cannot be read. Never throws. */
export function jwtHeaderAlgorithm(token: string): string | undefined {
  const end = token.indexOf('.');
  if (end <= 0 || end > MAX_HEADER_LENGTH) return undefined;
  const alg = decodeSegment(token.slice(0, end))?.alg;
  return typeof alg === 'string' ? alg : undefined;
}

/**
 * Header and claims of a compact JWS, read WITHOUT verifying anything: only for
 * routing a token to its issuer and for refusing it early. Undefined when unreadable.
 */
export function decodeUnverifiedJwt(token: string): UnverifiedJwt | undefined {
  const first = token.indexOf('.');
  const second = first > 0 && first <= MAX_HEADER_LENGTH ? token.indexOf('.', first + 1) : -1;
  if (second < 0 || token.indexOf('.', second + 1) >= 0) return undefined;
  const header = decodeSegment(token.slice(0, first));
  const claims = header && decodeSegment(token.slice(first + 1, second));
  return header && claims ? { header, claims, keyHeader: keyHeaderOf(header) } : undefined;
}

const DECODED = Symbol('mcp-auth:unverified-jwt');

/**
 * {@link decodeUnverifiedJwt} of the request's token, decoded once per request: routing
 * by issuer, the key lookup and the verified-token cache all need it, and the
 * token is not kept anywhere else. Never throws.
 */
export function unverifiedJwtOf(req: object, token: string): UnverifiedJwt | undefined {
  const request = req as { [DECODED]?: { token: string; jwt: UnverifiedJwt | undefined } };
  const memo = request[DECODED];
  if (memo?.token === token) return memo.jwt;
  const jwt = decodeUnverifiedJwt(token);
  request[DECODED] = { token, jwt };
  return jwt;
}

/** `alg` and `kid` of the request's token, or undefined when unreadable or of the wrong types. Never throws. */
export function jwtKeyHeaderOf(req: object, token: string): JwtKeyHeader | undefined {
  return unverifiedJwtOf(req, token)?.keyHeader;
}

function keyHeaderOf({ alg, kid }: JwtHeader): JwtKeyHeader | undefined {
  if (typeof alg !== 'string' || (kid !== undefined && typeof kid !== 'string')) return undefined;
  return kid === undefined ? { alg } : { alg, kid };
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
