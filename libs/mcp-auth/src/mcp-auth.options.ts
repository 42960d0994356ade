import type { ClaimsToScopes } from './authentication/claims-to-scopes.js';
import type { McpIssuerOptions } from './authentication/identity-providers/issuer-options.js';
import type { ResolvedIssuer } from './authentication/identity-providers/resolve-issuers.js';
import type { McpPrincipal } from './authentication/principal.js';
import type { ScopeHierarchy, ScopeHierarchyOptions } from './authorization/scope-hierarchy.js';
import type { McpListing } from './authorization/listing.js';
import type { McpAuditSink } from './audit/audit-sink.js';
import type { McpRateLimitOptions, RateLimitStoreErrorPolicy, RateLimitWindow } from './limits/rate-limit.options.js';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ApiKeysOptions } from './authentication/api-keys/api-keys.options.js';
import type { McpRedisOptions, ResolvedRedisOptions } from './redis/redis.options.js';
import type { IntrospectionOptions } from './authentication/introspection/introspection.options.js';
import type { McpProtocol } from './transport/protocol-era.js';
import type { McpDpopOptions, ResolvedDpopOptions } from './authentication/dpop/dpop.options.js';
import type { McpDownstreamCacheOptions, ResolvedDownstreamCache } from './downstream/downstream.options.js';
import type { McpScopeSnapshotOptions, ResolvedScopeSnapshot } from './authorization/scope-snapshot.options.js';
import type { McpRequestStateOptions, ResolvedRequestStateOptions } from './asking/request-state.options.js';
import type {
  McpHealthOptions,
  McpMetricsOptions,
  ResolvedHealthOptions,
  ResolvedMetricsOptions,
} from './observability/observability.options.js';

/** Signature algorithms a JWT may be verified with (asymmetric only). */
export type JwtAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512';

/** Options of {@link McpAuthModule}. Required: `resourceUrl`, and `issuer` or `issuers` (or only `apiKeys`). */
export interface McpAuthOptions {
  /** The identity provider's issuer identifier, exactly as tokens carry it in `iss`. Or use `issuers`. */
  issuer?: string;
  /** Accepted `aud` values of `issuer`'s tokens; a token must carry at least one. Default: `resourceUrl`. */
  audience?: string | string[];
  /** Where `issuer`'s keys are. Default: `jwks_uri` from `<issuer>/.well-known/openid-configuration`. */
  jwksUri?: string;
  /** `issuer`'s tokens must carry the RFC 9068 header `typ: at+jwt` (see {@link McpIssuerOptions.requireAtJwt}). Default false. */
  requireAtJwt?: boolean;
  /**
   * Identity providers whose tokens are accepted, each with its own keys and rules:
   * `keycloak({...})`, `entra({...})`, `oidc({...})` or your own {@link McpIssuerOptions}.
   * A token is routed by its `iss`; an unknown issuer is refused before any key is fetched.
   * Combines with `issuer` (which becomes the first entry).
   */
  issuers?: McpIssuerOptions[];
  /**
   * Broader scopes and the narrower ones they imply, transitively:
   * `{ 'Admin.Write': ['User.Write'], 'User.Write': ['User.Read'] }`. Applies to listing,
   * calling and challenges. Cycles are refused at startup.
   */
  scopeHierarchy?: ScopeHierarchyOptions;
  /** Accepted signature algorithms. Default `['RS256']`. */
  algorithms?: JwtAlgorithm[];
  /**
   * Shared-secret JWTs: verify `issuer`'s HS256 tokens with this secret (at least 32 bytes)
   * instead of its JWKS. The algorithm is pinned to HS256; combining it with `jwksUri`,
   * `algorithms` or `introspection` is a startup error. For an entry of `issuers`, set it there.
   */
  sharedSecret?: string;
  /**
   * Opaque tokens: validate `issuer`'s tokens by RFC 7662 introspection instead of as JWTs.
   * For an entry of `issuers`, set it there.
   */
  introspection?: IntrospectionOptions;
  /** API keys as bearer credentials (hashed in configuration, each mapped to a principal). Off by default. */
  apiKeys?: ApiKeysOptions;
  /** Leeway for `exp` and `nbf`, in seconds. Default 5, at most 60. */
  clockToleranceSeconds?: number;
  /**
   * Sender-constrained tokens (DPoP, RFC 9449): `mode` is every issuer's default (`'off'`,
   * `'allowed'` or `'required'`; an entry of `issuers` may set its own `dpop`), the rest says how
   * proofs are checked (algorithms, age, server nonces, replay memory). Off by default.
   */
  dpop?: McpDpopOptions;
  /** The canonical URL of the MCP endpoint as clients reach it (no trailing slash), e.g. `https://api.example.com/mcp`. */
  resourceUrl: string;
  /** One session per client conversation (default) or every request on its own (`true`). */
  stateless?: boolean;
  /**
   * Which MCP eras the endpoint serves: `'dual'` (default) serves revision 2026-07-28
   * (per-request envelope, no sessions) and the 2025 revisions (`initialize`, sessions
   * unless `stateless`) at the same path, each request classified by its body;
   * `'modern'` serves 2026-07-28 only (a 2025 `initialize` gets 400, -32022, naming the
   * supported revisions); `'legacy'` serves the 2025 revisions only, as before.
   */
  protocol?: McpProtocol;
  /** Browser origins allowed to call the endpoint. Default: the origin of `resourceUrl`. */
  allowedOrigins?: string[];
  /** Name and version the MCP server announces. */
  server?: { name: string; version: string };
  /** Human-readable name in the protected resource metadata (`resource_name`). Default: `server.name`. */
  resourceName?: string;
  /**
   * Maps token claims to the scopes tools are checked against, for issuers that bring no
   * mapping of their own (the presets do). Default: {@link defaultClaimsToScopes}.
   */
  claimsToScopes?: ClaimsToScopes;
  /**
   * Called for every authenticated request: return `false` when the user no longer
   * exists (or is disabled) in your system, and the request is refused with 403.
   */
  validateUser?: (principal: McpPrincipal) => boolean | Promise<boolean>;
  /**
   * How often an open stream (a `subscriptions/listen` stream, a legacy session's GET stream)
   * asks `validateUser` again, in milliseconds; the stream is closed when the answer is no (or
   * it fails), so a user disabled after opening one stops hearing of changes. Only with
   * `validateUser`. Default 60 s.
   */
  revalidateUserMs?: number;
  /**
   * The minimal scopes a client should ask for on first use: advertised in the first 401
   * challenge's `scope` and in the metadata's `scopes_supported`. A call that needs more gets
   * the 403 step-up challenge naming exactly what is missing, so broad scopes (`Admin.Write`)
   * are requested only when used, with the user's consent. Default: the narrowest declared
   * scopes, those that imply no other declared scope through `scopeHierarchy` (without a
   * hierarchy, every declared scope: set this to advertise less).
   */
  baselineScopes?: string[];
  /** Scopes named in the 401 challenge's `scope` hint. Default: {@link baselineScopes}. */
  challengeScopes?: string[];
  /**
   * What lists show a caller: `'granted'` (default) only the tools, resources and prompts its
   * scopes allow; `'all'` everything, each naming the scopes it needs in
   * `_meta["io.github.nestjs-mcp-auth/requiredScopes"]`, so that a call without them reaches
   * the 403 step-up challenge instead of never being attempted.
   */
  listing?: McpListing;
  /**
   * At most this many entries per page of `tools/list`, `resources/list`,
   * `resources/templates/list` and `prompts/list`; the rest follow through the opaque
   * `nextCursor` (both eras). Pages are cut from the caller's own filtered list. Default 100.
   */
  pageSize?: number;
  /** A session unused for this long is closed, in milliseconds. Default 30 minutes. */
  sessionIdleTimeoutMs?: number;
  /** Largest accepted request body, in bytes. Default 1 MiB. */
  maxRequestBodyBytes?: number;
  /**
   * Answer POSTs with a JSON body (default; written directly, the fast path) instead of an
   * SSE stream (the SDK's transport).
   */
  jsonResponse?: boolean;
  /**
   * How long startup waits for the issuer's discovery document, in milliseconds, a connection reset
   * tried again (up to three attempts) included (JWKS reads do the same within `jwks.timeoutMs`). Default 10 s.
   */
  discoveryTimeoutMs?: number;
  /** At most this many open sessions in total; an `initialize` beyond it gets 503 with `Retry-After`. Default 10 000. */
  maxSessions?: number;
  /** At most this many open sessions per subject (issuer + `principal.id`); an `initialize` beyond it gets 429. Default 100. */
  maxSessionsPerSubject?: number;
  /**
   * At most this many open `subscriptions/listen` streams (2026-07-28) on this instance, for
   * everyone together; a listen request beyond it gets 503 with `Retry-After`. Default 1,024.
   */
  maxListenStreams?: number;
  /**
   * At most this many open listen streams per subject on this instance, so that a few subjects
   * cannot take every place of `maxListenStreams` (it takes `maxListenStreams / maxListenStreamsPerSubject`
   * subjects to fill them); beyond it 429 with `Retry-After`. Default 10.
   */
  maxListenStreamsPerSubject?: number;
  /** A session is closed this long after it opened, however busy, in milliseconds. Default 24 h. */
  sessionMaxLifetimeMs?: number;
  /** A tool call still running after this long is aborted (its `signal` fires) and answered with a JSON-RPC error, in milliseconds. Default 60 s. */
  requestTimeoutMs?: number;
  /** Largest accepted request header section (names and values), in bytes; beyond it 431. Default 16 KiB. */
  maxHeaderBytes?: number;
  /**
   * A request body not received in full this long after the request arrived is answered
   * 408 and the connection closed (a slow client cannot hold a request open), in milliseconds. Default 30 s.
   */
  bodyTimeoutMs?: number;
  /** How long `app.close()` lets in-flight requests finish before it closes the sessions, in milliseconds. Default 10 s. */
  shutdownTimeoutMs?: number;
  /** Rate limits per principal and, before token work, per IP; 429 with `Retry-After`. Off unless given. */
  rateLimit?: McpRateLimitOptions;
  /** Receives every authorization decision. Default: `LoggerAuditSink`, one JSON line each on standard output (context `McpAuthAudit`), written in batches. */
  auditSink?: McpAuditSink;
  /** How the issuer's signing keys are cached and re-fetched. */
  jwks?: JwksCacheOptions;
  /**
   * Remember verified tokens (by SHA-256) so a repeated token skips the signature check;
   * `exp`/`nbf` are still checked on every request. Default `{ maxEntries: 10000 }`; `false` turns it off.
   */
  tokenCache?: { maxEntries?: number } | false;
  /**
   * Share state between replicas through Redis (needs the `ioredis` package). Off by
   * default: without it every instance keeps its state to itself.
   */
  redis?: McpRedisOptions;
  /**
   * A Prometheus endpoint (needs `prom-client`): requests, authentication and authorization
   * decisions, JWKS and introspection calls, cache hits, Redis errors, request durations.
   * Off by default; `{}` serves `/metrics` on the application's server, `{ port }` on a port of its own.
   */
  metrics?: McpMetricsOptions | false;
  /** Liveness and readiness endpoints for load balancers (`/healthz`, `/readyz`). Off by default. */
  health?: McpHealthOptions | false;
  /**
   * The cache of downstream tokens (`ctx.tokenFor`, issuers' `downstream`): kept until shortly
   * before they expire, in memory and, with `redis`, sealed in Redis (`encryptionKey` required then).
   */
  downstreamCache?: McpDownstreamCacheOptions;
  /**
   * Declare the MCP extension Enterprise-Managed Authorization
   * (`io.modelcontextprotocol/enterprise-managed-authorization`): in `capabilities.extensions`
   * (`server/discover`, `initialize`) and in the protected resource metadata
   * (`mcp_extensions_supported`). Its access tokens are ordinary ones for this resource, validated
   * as any other; startup warns about an issuer that does not accept `resourceUrl` as audience
   * (extension §5.1). Default false. See docs/enterprise-managed-authorization.md.
   */
  enterpriseManagedAuthorization?: boolean;
  /**
   * The recorded scope snapshot (which tools, resources and prompts each scope opens, from
   * `ScopeSnapshot.json()`): at startup each scope that now opens more is named, in a warning
   * or (`onDrift: 'fail'`) a startup error. Off unless given.
   */
  scopeSnapshot?: McpScopeSnapshotOptions;
  /**
   * Asking the client for input on revision 2026-07-28 (`ctx.elicit()`, `ctx.sample()`): the key
   * that seals each round's `requestState` (at least 32 bytes, the same on every replica) and how
   * long a round may take. Default: a key made at startup, which works while one process serves every round.
   */
  requestState?: McpRequestStateOptions;
}

/** Caching of the issuer's JWKS, in milliseconds. */
export interface JwksCacheOptions {
  /** Keys are re-read after this long, so a key removed from the JWKS stops being accepted. Default 10 minutes. */
  cacheMaxAgeMs?: number;
  /** A token with an unknown `kid` causes at most one JWKS fetch per this window. Default 30 s (at most 30 s). */
  cooldownMs?: number;
  /** A JWKS fetch that takes longer fails (and the token is refused with 401). Default 5 s. */
  timeoutMs?: number;
  /**
   * While the JWKS cannot be read, the keys held keep working for at most this long past
   * `cacheMaxAgeMs`; then tokens are refused (401) until the JWKS is read again. Default 24 hours.
   */
  maxStaleMs?: number;
}

/** Options after validation and discovery: every default filled in. */
export interface ResolvedMcpAuthOptions {
  /** Every trusted issuer, in configuration order; empty when only API keys are accepted. */
  readonly issuers: readonly ResolvedIssuer[];
  /** The first issuer's identifier, audiences and keys ('' when there is no issuer). */
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly jwksUri: string;
  readonly scopeHierarchy: ScopeHierarchy;
  /** Signature algorithms of issuers verified with their JWKS (shared-secret issuers use HS256 only). */
  readonly algorithms: readonly JwtAlgorithm[];
  readonly apiKeys?: ApiKeysOptions;
  readonly clockToleranceSeconds: number;
  readonly dpop: ResolvedDpopOptions;
  readonly resourceUrl: string;
  readonly path: string;
  readonly resourceMetadataUrl: string;
  readonly stateless: boolean;
  readonly protocol: McpProtocol;
  readonly allowedOrigins: readonly string[];
  readonly server: { name: string; version: string };
  readonly resourceName: string;
  readonly claimsToScopes: ClaimsToScopes;
  readonly validateUser?: (principal: McpPrincipal) => boolean | Promise<boolean>;
  readonly revalidateUserMs: number;
  readonly challengeScopes?: readonly string[];
  readonly listing: McpListing;
  readonly pageSize: number;
  /** The configured baseline; undefined for the default (see {@link ScopePolicy.baselineScopes}). */
  readonly baselineScopes?: readonly string[];
  readonly sessionIdleTimeoutMs: number;
  readonly maxRequestBodyBytes: number;
  readonly jsonResponse: boolean;
  readonly maxSessions: number;
  readonly maxSessionsPerSubject: number;
  readonly maxListenStreams: number;
  readonly maxListenStreamsPerSubject: number;
  readonly sessionMaxLifetimeMs: number;
  readonly requestTimeoutMs: number;
  readonly maxHeaderBytes: number;
  readonly bodyTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  readonly rateLimit: {
    readonly perPrincipal?: RateLimitWindow;
    readonly unauthenticatedPerIp?: RateLimitWindow;
    readonly storage?: ThrottlerStorage;
    readonly onStoreError: RateLimitStoreErrorPolicy;
  };
  readonly auditSink?: McpAuditSink;
  readonly jwks: Readonly<Required<JwksCacheOptions>>;
  readonly tokenCache: { readonly maxEntries: number } | false;
  readonly redis?: ResolvedRedisOptions;
  /** Undefined when metrics are off. */
  readonly metrics?: ResolvedMetricsOptions;
  /** Undefined when the health endpoints are off. */
  readonly health?: ResolvedHealthOptions;
  readonly downstreamCache: ResolvedDownstreamCache;
  readonly enterpriseManagedAuthorization: boolean;
  /** Undefined when no snapshot is configured. */
  readonly scopeSnapshot?: ResolvedScopeSnapshot;
  readonly requestState: ResolvedRequestStateOptions;
}
