import type { IncomingMessage } from 'node:http';
import jwksRsa from 'jwks-rsa';

/** `passport-jwt`'s key callback: the key to verify `rawJwt` with, or an error. */
export type SigningKeyProvider = (req: IncomingMessage, rawJwt: string, done: (error: unknown, key?: string | Buffer) => void) => void;

/** How long a fetched signing key is trusted before the JWKS is read again. */
const KEY_CACHE_MAX_AGE_MS = 10 * 60_000;

/**
 * The keys of one JWKS URL (`jwks-rsa`: cached, rate limited). One provider per URL,
 * shared by every issuer that publishes its keys there (Entra v1 and v2 do).
 */
export function jwksKeyProvider(jwksUri: string): SigningKeyProvider {
  return jwksRsa.passportJwtSecret({
    jwksUri,
    cache: true,
    cacheMaxAge: KEY_CACHE_MAX_AGE_MS,
    rateLimit: true,
    jwksRequestsPerMinute: 10,
    timeout: 5_000,
  }) as SigningKeyProvider;
}
