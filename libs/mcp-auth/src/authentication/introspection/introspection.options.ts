/** RFC 7662 token introspection for an issuer whose access tokens are opaque (or should be checked live). */
export interface IntrospectionOptions {
  /** The introspection endpoint. Default: `introspection_endpoint` from the issuer's discovery document. */
  endpoint?: string;
  /** This resource server's client at the identity provider (it authenticates to the endpoint). */
  clientId: string;
  clientSecret: string;
  /** How the client authenticates (RFC 6749 §2.3.1). Default `client_secret_basic`. */
  clientAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /**
   * How long an active result may be reused, in seconds; never beyond the token's `exp`.
   * A revoked token stays accepted for at most this long; an answer without `exp` is
   * reused for exactly this long at most. Refusals are reused for
   * 10 s at most (never longer than this). Default 60; 0 disables the cache.
   */
  cacheMaxSeconds?: number;
  /** Most results kept at once; the least recently used make room. Default 10 000. */
  cacheMaxEntries?: number;
  /** How long one introspection call may take, in milliseconds. Default 5 000. */
  timeoutMs?: number;
  /**
   * Tells this issuer's opaque tokens from other issuers': the prefix they all start with
   * (e.g. `'acme_at_'`). Required, this or {@link recognizes}, when several issuers are
   * introspected: a token is only ever sent to the issuer that can have issued it, never
   * to each in turn (an issuer listed first would receive every other issuer's live tokens).
   */
  tokenPrefix?: string;
  /** Like {@link tokenPrefix}, as a function: true when `token` can be one of this issuer's. Never log the token. */
  recognizes?: (token: string) => boolean;
}

/** {@link IntrospectionOptions} with every default filled in. */
export interface ResolvedIntrospection {
  readonly endpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clientAuthMethod: 'client_secret_basic' | 'client_secret_post';
  readonly cacheMaxSeconds: number;
  readonly cacheMaxEntries: number;
  readonly timeoutMs: number;
  /** From `tokenPrefix` / `recognizes`; undefined when neither is given (then this must be the only introspected issuer). */
  readonly recognizes?: (token: string) => boolean;
}
