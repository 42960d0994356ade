import type { JwtClaims } from '../principal.js';
import { TokenRejection } from '../token-rejection.js';

/** How a token is bound to a key its client holds: RFC 9449 §6, the JWK SHA-256 thumbprint. */
export interface DpopConfirmation {
  /** `cnf.jkt`: the base64url SHA-256 thumbprint (RFC 7638) of the client's DPoP public key. */
  readonly jkt: string;
}

/** A thumbprint is a base64url SHA-256 digest: 43 characters. */
const JKT = /^[A-Za-z0-9_-]{43}$/;

/**
 * The DPoP key a token is bound to, read from its claims (a JWT's `cnf`, or an introspection
 * answer's, RFC 9449 §6.1–6.2): undefined for an unbound token, `'invalid'` for a `cnf.jkt`
 * that is not a thumbprint (the token is refused rather than taken as unbound).
 */
export function dpopConfirmationOf(claims: JwtClaims): DpopConfirmation | 'invalid' | undefined {
  const cnf = claims.cnf;
  if (cnf === undefined || cnf === null || typeof cnf !== 'object' || !('jkt' in cnf)) return undefined;
  const jkt = (cnf as { jkt?: unknown }).jkt;
  return typeof jkt === 'string' && JKT.test(jkt) ? { jkt } : 'invalid';
}

/**
 * The refusal of a token whose `cnf.jkt` is not a thumbprint, or undefined. The strategies ask it
 * with the token's other claims, before `validateUser` hears of the user; the DPoP check asks it
 * again of the principal it is given (which a `handleRequest` override may have built).
 */
export function confirmationRejection(claims: JwtClaims): TokenRejection | undefined {
  return dpopConfirmationOf(claims) === 'invalid' ? unreadableConfirmation() : undefined;
}

/** The refusal of a `cnf.jkt` that {@link dpopConfirmationOf} found `'invalid'`. */
export function unreadableConfirmation(): TokenRejection {
  return new TokenRejection('invalid_claim', "The access token's confirmation (cnf.jkt) is not a key thumbprint");
}
