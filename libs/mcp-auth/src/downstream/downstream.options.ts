import type { JWK } from 'jose';
import type { McpPrincipal } from '../authentication/principal.js';

/**
 * How a downstream token is asked for at the issuer's token endpoint:
 * - `'token-exchange'`: RFC 8693 (Keycloak's standard token exchange, Okta's and Auth0's
 *   on-behalf-of token exchange, any RFC 8693 server): `subject_token` = the caller's token,
 *   `requested_token_type` access token, `audience` / `resource`, `scope`.
 * - `'entra-on-behalf-of'`: Microsoft Entra ID's on-behalf-of flow on the v2 endpoint:
 *   `grant_type` jwt-bearer, `assertion` = the caller's token, `requested_token_use=on_behalf_of`,
 *   `scope` = the downstream API's scopes (`api://inventory/Stock.Read` or `…/.default`).
 */
export type DownstreamFlow = 'token-exchange' | 'entra-on-behalf-of';

/** How this server authenticates to the token endpoint as a client (RFC 6749 §2.3, RFC 7523 §2.2). */
export type DownstreamClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** `private_key_jwt` client authentication: the key this server signs its client assertions with. */
export interface DownstreamPrivateKeyJwt {
  /** The private key: a PKCS#8 PEM string or a private JWK. */
  key: string | JWK;
  /** The key's id (`kid` in the assertion's header), as registered with the identity provider. */
  kid?: string;
  /** Signature algorithm. Default `RS256`. */
  alg?: 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512';
  /**
   * Extra header parameters, e.g. Entra's certificate thumbprint `{ 'x5t#S256': '…' }`
   * (or `x5t`) when the key belongs to a certificate uploaded to the app registration.
   */
  header?: Record<string, string>;
  /** The assertion's `aud`. Default: the token endpoint (what Entra, Okta, Keycloak and Auth0 accept). */
  audience?: string;
}

/**
 * Downstream tokens for one issuer's callers: how this server obtains, for the same user,
 * a token for another API (never passing the caller's own token on). The presets fill in
 * their provider's form: `keycloak({ downstream })`, `entra({ downstream })`, `okta(...)`, `auth0(...)`.
 *
 * @example
 * ```ts
 * keycloak({ url, realm: 'acme', downstream: { clientId: 'mcp-server', clientSecret: process.env.KC_SECRET! } })
 * // in a tool: const { accessToken } = await ctx.tokenFor({ audience: 'inventory-api', scopes: ['stock:read'] });
 * ```
 */
export interface McpDownstreamOptions {
  /** Default `'token-exchange'` (the presets set their provider's form). */
  flow?: DownstreamFlow;
  /**
   * The token endpoint. Default: `token_endpoint` from the issuer's discovery document.
   * A function picks it per caller (Entra multi-tenant: the caller's own tenant).
   */
  tokenEndpoint?: string | ((principal: McpPrincipal) => string);
  /** This server's client id at the identity provider (the client allowed to exchange tokens). */
  clientId: string;
  /** Its secret, for `client_secret_basic` (default) or `client_secret_post`. */
  clientSecret?: string;
  /** Default: `client_secret_basic` with `clientSecret`, `private_key_jwt` with `privateKeyJwt`. */
  clientAuthMethod?: DownstreamClientAuthMethod;
  /** The key for `private_key_jwt` (RFC 7523); instead of `clientSecret`. */
  privateKeyJwt?: DownstreamPrivateKeyJwt;
  /**
   * RFC 8693 `subject_token_type`. Default `urn:ietf:params:oauth:token-type:access_token`.
   * Auth0's custom token exchange needs the profile's own URI (e.g. `urn:acme:mcp-access-token`).
   */
  subjectTokenType?: string;
  /** Extra form parameters sent with every exchange (e.g. Auth0's `organization`). Never secrets of the caller. */
  parameters?: Record<string, string>;
  /**
   * Where a user (or an administrator) grants the consent a downstream API needs, for the
   * tool error when the provider answers `consent_required`/`interaction_required`.
   * A function receives the request with the scopes as sent. Default: the provider's `error_uri`,
   * if it sends one (Entra's preset: the admin-consent URL of this server's app registration).
   */
  consentUrl?: string | ((request: { audience?: string; resource?: string; scopes: readonly string[] }) => string | undefined);
  /** How long one exchange may take, in milliseconds. Default 5 000. */
  timeoutMs?: number;
}

/** {@link McpDownstreamOptions} after validation and discovery. */
export interface ResolvedDownstream {
  readonly flow: DownstreamFlow;
  readonly tokenEndpointFor: (principal: McpPrincipal) => string;
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly clientAuthMethod: DownstreamClientAuthMethod;
  readonly privateKeyJwt?: DownstreamPrivateKeyJwt;
  readonly subjectTokenType: string;
  readonly parameters: Readonly<Record<string, string>>;
  readonly consentUrl?: McpDownstreamOptions['consentUrl'];
  readonly timeoutMs: number;
}

/**
 * The module-wide cache of downstream tokens (option `downstreamCache`). Tokens are kept
 * until shortly before they expire, per issuer, subject, client, audience/resource and scopes:
 * in memory, and in Redis too when `redis` is configured, sealed with AES-256-GCM (a cache
 * of other people's tokens is a target: Redis only ever holds ciphertext).
 */
export interface McpDownstreamCacheOptions {
  /**
   * Seals the tokens kept in Redis: at least 32 bytes (e.g. `openssl rand -base64 48`), the
   * same on every replica. Required when `redis` is configured and an issuer has `downstream`.
   */
  encryptionKey?: string;
  /** Most tokens kept in memory per instance. Default 10 000. */
  maxEntries?: number;
  /** A token is renewed this long before it expires (at most half its lifetime), in seconds. Default 60. */
  refreshBeforeExpirySeconds?: number;
}

/** The cache options after validation. */
export interface ResolvedDownstreamCache {
  readonly encryptionKey?: Buffer;
  readonly maxEntries: number;
  readonly refreshBeforeExpirySeconds: number;
}
