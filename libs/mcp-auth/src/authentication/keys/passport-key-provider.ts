import type { KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { jwtKeyHeaderOf } from '../jwt-header.js';
import { TokenRejection } from '../token-rejection.js';
import type { JwksKeyStore } from './jwks-key-store.js';

/** `passport-jwt`'s key callback: the key to verify `rawJwt` with, or an error. */
export type SigningKeyProvider = (req: IncomingMessage, rawJwt: string, done: (error: unknown, key?: KeyObject) => void) => void;

/**
 * A `passport-jwt` `secretOrKeyProvider` answering from `store`: the token's `kid`
 * picks a cached `KeyObject` (handed to `jsonwebtoken` as is, so no PEM is parsed per
 * request), and its `alg` must be one the key may be used with. A held key is answered
 * synchronously; only a fetch goes through a promise.
 */
export function passportKeyProvider(store: JwksKeyStore): SigningKeyProvider {
  return (req, token, done) => {
    const header = jwtKeyHeaderOf(req, token);
    if (!header) return done(new TokenRejection('malformed'));
    let key: KeyObject | undefined;
    try {
      key = store.cachedKey(header.kid, header.alg);
    } catch (rejection) {
      return done(rejection);
    }
    if (key) return done(null, key);
    store.keyFor(header.kid, header.alg).then(
      (fetched) => done(null, fetched),
      (rejection: unknown) => done(rejection),
    );
  };
}
