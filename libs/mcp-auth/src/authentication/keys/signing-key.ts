import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { JwtAlgorithm } from '../../mcp-auth.options.js';

/** A verification key from the issuer's JWKS, parsed once into a Node `KeyObject`. */
export interface SigningKey {
  readonly kid: string | undefined;
  readonly key: KeyObject;
  /** The algorithms this key may verify: the JWK's `alg` if it names one, else every allowed one its type fits. */
  readonly algorithms: ReadonlySet<string>;
}

const MIN_RSA_BITS = 2048;
const EC_CURVE_OF: Partial<Record<JwtAlgorithm, string>> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/**
 * Turns one JWK into a {@link SigningKey}, or undefined when it is not a public
 * signature key usable with `allowed` (wrong `use`, unknown `kty`, an `alg` outside
 * the list, or material Node cannot parse). Only the public members are read, so a
 * JWKS that leaks private parameters never yields anything but the public key.
 */
export function signingKeyFromJwk(jwk: unknown, allowed: readonly JwtAlgorithm[]): SigningKey | undefined {
  if (typeof jwk !== 'object' || jwk === null) return undefined;
  const { kty, use, alg, kid, crv } = jwk as Record<string, unknown>;
  if (use !== undefined && use !== 'sig') return undefined;
  if (kid !== undefined && typeof kid !== 'string') return undefined;
  const fits = allowed.filter((candidate) => algorithmFitsKey(candidate, kty, crv));
  const algorithms = typeof alg === 'string' ? fits.filter((candidate) => candidate === alg) : fits;
  if (algorithms.length === 0) return undefined;
  const members = publicMembers(jwk as Record<string, unknown>);
  if (!members) return undefined;
  try {
    const key = createPublicKey({ key: members, format: 'jwk' });
    // RFC 7518 §3.3: RSA keys of 2048 bits or more; anything smaller is forgeable.
    if (kty === 'RSA' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) return undefined;
    return { kid: kid as string | undefined, key, algorithms: new Set(algorithms) };
  } catch {
    return undefined;
  }
}

/** RS and PS need an RSA key; each ES algorithm needs an EC key on its own curve. */
function algorithmFitsKey(alg: JwtAlgorithm, kty: unknown, crv: unknown): boolean {
  if (alg.startsWith('RS') || alg.startsWith('PS')) return kty === 'RSA';
  return kty === 'EC' && crv === EC_CURVE_OF[alg];
}

/** Only the public members, and only when they are strings. */
function publicMembers(jwk: Record<string, unknown>): Record<string, string> | undefined {
  const { kty, n, e, crv, x, y } = jwk;
  if (kty === 'RSA') return typeof n === 'string' && typeof e === 'string' ? { kty, n, e } : undefined;
  return typeof crv === 'string' && typeof x === 'string' && typeof y === 'string' ? { kty: 'EC', crv, x, y } : undefined;
}
