import type { ClaimsToScopes } from './claims-to-scopes.js';
import type { DpopConfirmation } from './dpop/token-confirmation.js';
import { dpopConfirmationOf } from './dpop/token-confirmation.js';

/** The claims of a validated access token. */
export interface JwtClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [claim: string]: unknown;
}

/**
 * Who is calling: built once per request from a validated token and handed to
 * tools (as the context's `principal`, and inside the SDK's `authInfo.extra`).
 */
export interface McpPrincipal {
  /** The token's subject (`sub`). */
  readonly sub: string;
  /**
   * Who the caller is, stable across its tokens: `sub`, or what the issuer derives
   * (Entra ID: `<tid>/<oid>`, since Entra's `sub` differs per application). Sessions belong to it.
   */
  readonly id: string;
  /** The OAuth client that obtained the token: `client_id`, else `azp`, else `appid`, else `cid`. */
  readonly clientId?: string;
  /** Granted scopes and roles, as the claims-to-scopes mapping produced them. */
  readonly scopes: readonly string[];
  /** The issuer that signed the token (`iss`). */
  readonly issuer: string;
  /** Expiry, in seconds since the epoch. */
  readonly expiresAt?: number;
  /** Every claim of the token, untouched. */
  readonly claims: Readonly<JwtClaims>;
  /**
   * How the token is sender-constrained, when it is: the DPoP key it is bound to (RFC 9449,
   * `cnf.jkt`). A request reaches your code with it only after its `DPoP` proof was verified
   * with that very key; without it, the token was a bearer token.
   */
  readonly confirmation?: DpopConfirmation;
}

/** The calling client: `client_id` (RFC 9068), else `azp` (OIDC, Keycloak, Entra v2, Auth0), else `appid` (Entra v1), else `cid` (Okta). */
export function clientIdOf(claims: JwtClaims): string | undefined {
  for (const name of ['client_id', 'azp', 'appid', 'cid']) {
    const value = claims[name];
    if (typeof value === 'string' && value) return value;
  }
  return undefined;
}

/** The default identity of a caller: its `sub`. */
export function subjectClaim(claims: JwtClaims): string | undefined {
  return typeof claims.sub === 'string' ? claims.sub : undefined;
}

/** Builds the principal from validated claims. */
export function principalFromClaims(
  claims: JwtClaims,
  claimsToScopes: ClaimsToScopes,
  subjectOf: (claims: JwtClaims) => string | undefined = subjectClaim,
): McpPrincipal {
  const sub = String(claims.sub ?? '');
  const confirmation = dpopConfirmationOf(claims);
  return {
    sub,
    id: subjectOf(claims) ?? sub,
    clientId: clientIdOf(claims),
    scopes: claimsToScopes(claims),
    issuer: String(claims.iss ?? ''),
    expiresAt: typeof claims.exp === 'number' ? claims.exp : undefined,
    claims,
    // An unreadable cnf.jkt was refused with the other claims (confirmationRejection).
    ...(confirmation && confirmation !== 'invalid' ? { confirmation } : {}),
  };
}

/** Sessions belong to a subject: the issuer and the principal's id together identify it. */
export function ownerKeyOf(principal: McpPrincipal): string {
  return `${principal.issuer}\u0000${principal.id}`;
}
