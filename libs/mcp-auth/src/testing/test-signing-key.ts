import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, importJWK } from 'jose';
import type { JWK, JWTPayload, KeyObject } from 'jose';

/** An RS256 key pair for tests: publish `publicJwk`, sign anything with `sign`. */
export interface TestSigningKey {
  readonly kid: string;
  /** The public key as a JWK with `kid`, `use` and `alg`, ready for a JWKS. */
  readonly publicJwk: JWK;
  /** The private key as a JWK with `kid` (e.g. for `oidc-provider`'s `jwks`, or to keep in a file). */
  readonly privateJwk: JWK & { kid: string };
  /** Signs exactly this payload (nothing added) with this header on top of `{ alg: 'RS256', kid }`. */
  sign(payload: JWTPayload, header?: Record<string, unknown>): Promise<string>;
}

/** Creates a fresh 2048-bit RS256 signing key. */
export async function createTestSigningKey(kid = `test-${randomUUID()}`): Promise<TestSigningKey> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return importTestSigningKey({ ...(await exportJWK(privateKey)), kid });
}

/**
 * The signing key of a private RSA JWK kept from an earlier {@link createTestSigningKey} (its `privateJwk`), so
 * that tokens signed before a restart still verify after it.
 *
 * @example
 * ```ts
 * const key = await importTestSigningKey(JSON.parse(readFileSync('dev-key.json', 'utf8')));
 * ```
 */
export async function importTestSigningKey(privateJwk: JWK & { kid: string }): Promise<TestSigningKey> {
  if (privateJwk.kty !== 'RSA' || typeof privateJwk.d !== 'string' || typeof privateJwk.kid !== 'string') {
    throw new TypeError('importTestSigningKey: the key must be a private RSA JWK with a kid');
  }
  const { kid, n, e } = privateJwk;
  const privateKey = (await importJWK({ ...privateJwk, alg: 'RS256' }, 'RS256')) as KeyObject;
  return {
    kid,
    publicJwk: { kty: 'RSA', n, e, kid, use: 'sig', alg: 'RS256' },
    privateJwk,
    sign: (payload, header = {}) => new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid, ...header }).sign(privateKey),
  };
}
