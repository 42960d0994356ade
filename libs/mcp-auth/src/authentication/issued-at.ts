import { TokenRejection } from './token-rejection.js';

/**
 * The `iat` rule (RFC 7519 §4.1.6), held like `nbf`: absent is fine; present, it must be a
 * number no later than now plus the clock tolerance. A token "issued" in the future was
 * minted with a wrong clock or forged to outlive its key's rotation: it is refused.
 */
export function issuedAtRejection(
  iat: unknown,
  clockToleranceSeconds: number,
  now = Math.floor(Date.now() / 1000),
): TokenRejection | undefined {
  if (iat === undefined) return undefined;
  if (typeof iat !== 'number' || !Number.isFinite(iat))
    return new TokenRejection('invalid_claim', 'The access token has an issued-at time (iat) that is not a number');
  if (iat - clockToleranceSeconds > now) return new TokenRejection('not_yet_valid', 'The access token was issued in the future (iat)');
  return undefined;
}
