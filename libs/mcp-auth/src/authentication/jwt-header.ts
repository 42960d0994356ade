import type { JwtHeader } from './identity-providers/issuer-options.js';
import type { JwtClaims } from './principal.js';

const MAX_SEGMENT_LENGTH = 16 * 1024;

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

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  if (segment.length === 0 || segment.length > MAX_SEGMENT_LENGTH) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
