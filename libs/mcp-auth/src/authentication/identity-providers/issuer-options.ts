import type { ClaimsToScopes } from '../claims-to-scopes.js';
import type { DpopMode } from '../dpop/dpop.options.js';
import type { IntrospectionOptions } from '../introspection/introspection.options.js';
import type { JwtClaims } from '../principal.js';
import type { TokenRejection } from '../token-rejection.js';
import type { McpDownstreamOptions } from '../../downstream/downstream.options.js';

/** The protected header of a JWT, as far as issuer rules look at it. */
export interface JwtHeader {
  alg?: string;
  kid?: string;
  typ?: string;
  [parameter: string]: unknown;
}

/**
 * One identity provider whose tokens the server accepts: what the presets
 * ({@link keycloak}, {@link entra}, {@link oidc}) return, and what you can write by hand
 * for anything else. Pass one or several in `issuers`.
 *
 * @example
 * ```ts
 * McpAuthModule.forRoot({
 *   resourceUrl: 'https://api.example.com/mcp',
 *   issuers: [keycloak({ url: 'https://sso.example.com', realm: 'acme' }), entra({ tenantId, clientId })],
 * })
 * ```
 */
export interface McpIssuerOptions {
  /** A short name for messages and logs, e.g. `keycloak` or `entra`. */
  name?: string;
  /** Every `iss` value this provider's tokens carry (Entra: v1 and v2, one per allowed tenant). */
  issuer: string | string[];
  /** Accepted `aud` values; a token must carry at least one. Default: the module's `resourceUrl`. */
  audience?: string | string[];
  /** Where the signing keys are. Default: `jwks_uri` from the discovery document of the first issuer. */
  jwksUri?: string;
  /**
   * Shared-secret JWTs: verify this provider's HS256 tokens with this secret (at least
   * 32 bytes) instead of a JWKS. HS256 only; combining it with `jwksUri` or
   * `introspection` is a startup error.
   */
  sharedSecret?: string;
  /** Opaque tokens: check this provider's tokens by RFC 7662 introspection instead of as JWTs. */
  introspection?: IntrospectionOptions;
  /**
   * Require the JWT access token header of RFC 9068, `typ: at+jwt` (or `application/at+jwt`),
   * so that an ID token or another JWT this provider signed is never taken for an access
   * token. Default false: Keycloak and Entra ID send `typ: JWT`. Not for introspection.
   */
  requireAtJwt?: boolean;
  /**
   * Whether this provider's tokens may (`'allowed'`) or must (`'required'`) be DPoP-bound and
   * presented with a proof (RFC 9449), or not (`'off'`). Default: the module's `dpop.mode` (`'off'`).
   * JWTs carry the binding in `cnf.jkt`; introspected tokens in the answer's `cnf`.
   */
  dpop?: DpopMode;
  /** The issuer identifiers the protected resource metadata names in `authorization_servers`. Default: every `issuer`. */
  authorizationServers?: string[];
  /** Maps claims to the scopes tools are checked against. Default: the module's `claimsToScopes`. */
  claimsToScopes?: ClaimsToScopes;
  /**
   * Looks at the *unverified* token before any key is fetched and may only refuse it
   * (e.g. a Microsoft Graph token, which would otherwise fail as a bad signature).
   */
  screen?: (claims: JwtClaims, header: JwtHeader) => TokenRejection | undefined;
  /** Extra rules on the verified claims (tenant allow-lists, audience traps); return a rejection to refuse. */
  checkClaims?: (claims: JwtClaims) => TokenRejection | undefined;
  /** The caller's stable identity. Default: `sub`. Entra: `<tid>/<oid>`, since its `sub` differs per app. */
  subjectOf?: (claims: JwtClaims) => string | undefined;
  /** How a tool's scope is written where clients read it (metadata, challenges). Entra: `api://<app>/<scope>`. */
  advertisedScope?: (scope: string) => string;
  /**
   * One line logged once (context `McpAuth`) the first time a token of this provider arrives
   * without an accepted audience: how to make the provider put this server into `aud`.
   */
  audienceHint?: string;
  /**
   * Tokens for downstream APIs, for this provider's callers (`ctx.tokenFor(...)`): RFC 8693 token
   * exchange or Entra's on-behalf-of at this provider's token endpoint. Off unless given.
   */
  downstream?: McpDownstreamOptions;
}
