import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { JWK, JWTPayload } from 'jose';

/** An RS256 key pair for tests: publish `publicJwk`, sign anything with `sign`. */
export interface TestSigningKey {
  readonly kid: string;
  /** The public key as a JWK with `kid`, `use` and `alg`, ready for a JWKS. */
  readonly publicJwk: JWK;
  /** The private key as a JWK with `kid` (e.g. for `oidc-provider`'s `jwks`). */
  readonly privateJwk: JWK & { kid: string };
  /** Signs exactly this payload (nothing added) with this header on top of `{ alg: 'RS256', kid }`. */
  sign(payload: JWTPayload, header?: Record<string, unknown>): Promise<string>;
}

/** Creates a fresh 2048-bit RS256 signing key. */
export async function createTestSigningKey(kid = `test-${randomUUID()}`): Promise<TestSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid };
  return {
    kid,
    publicJwk,
    privateJwk,
    sign: (payload, header = {}) => new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid, ...header }).sign(privateKey),
  };
}
