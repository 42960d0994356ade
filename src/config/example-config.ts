import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogLevel } from '@nestjs/common';
import type { EntraCloud, McpAuthOptions } from 'nestjs-mcp-auth';

/** The example server's settings, read from the environment. */
export interface ExampleConfig {
  readonly port: number;
  readonly host: string;
  /** Unset with MCP_AUTH_IDP=oidc: start the embedded development identity provider. */
  readonly issuer?: string;
  readonly audience?: string[];
  readonly jwksUri?: string;
  /** `MCP_AUTH_REQUIRE_AT_JWT`: tokens must carry the RFC 9068 header `typ: at+jwt`. */
  readonly requireAtJwt: boolean;
  readonly idp: IdentityProviderKind;
  /** With MCP_AUTH_IDP=keycloak. */
  readonly keycloak?: KeycloakSettings;
  /** With MCP_AUTH_IDP=entra. */
  readonly entra?: EntraSettings;
  readonly resourceUrl: string;
  /** The path the endpoint is served at (MCP_PATH). Default: the path of the resource URL. */
  readonly path: string;
  readonly stateless: boolean;
  /** Which MCP eras the endpoint serves (MCP_PROTOCOL: dual, modern or legacy). Default dual. */
  readonly protocol: ExampleProtocol;
  /** What lists show a caller (MCP_LISTING): `all` (the example's default), each entry naming its scopes, or `granted`. */
  readonly listing: NonNullable<McpAuthOptions['listing']>;
  readonly allowedOrigins?: string[];
  readonly sessionIdleTimeoutMs?: number;
  /** Broader scopes implying narrower ones, from MCP_SCOPE_HIERARCHY (JSON). Off by default. */
  readonly scopeHierarchy?: Record<string, string[]>;
  /** What clients ask for on first use (MCP_BASELINE_SCOPES, comma- or space-separated). Default `User.Read`. */
  readonly baselineScopes: string[];
  /** How callers authenticate: the rung of the ladder (MCP_AUTH_MODE). */
  readonly mode: AuthMode;
  /** HS256 secret (MCP_AUTH_HS256_SECRET), for mode hs256. */
  readonly hs256Secret?: string;
  /** Introspection client and endpoint (MCP_AUTH_INTROSPECTION_*), for mode introspection. */
  readonly introspection?: { clientId?: string; clientSecret?: string; endpoint?: string; cacheMaxSeconds?: number };
  /** Hashed API keys (MCP_API_KEYS_FILE): required for mode api-keys, accepted beside tokens in the other modes. */
  readonly apiKeysFile?: string;
  /**
   * The embedded development provider's port (MCP_EXAMPLE_IDP_PORT). Default: the server's port + 1 (0,
   * any free port, when the server's port is 0), so that its issuer URL, which clients keep, survives a restart.
   */
  readonly idpPort: number;
  /**
   * A file keeping the embedded provider's signing key across restarts (MCP_EXAMPLE_IDP_KEY_FILE), so that
   * the tokens it signed still verify. Default `.data/dev-idp-key.json` in the project (git-ignored).
   */
  readonly idpKeyFile: string;
  /**
   * SQLite file keeping the embedded provider's client registrations, grants and refresh tokens across restarts
   * (MCP_EXAMPLE_IDP_DB). Default `.data/dev-idp-<port>.sqlite` in the project, or `:memory:` when the
   * provider's port is any free one (its issuer URL changes with every start, so its clients do too).
   */
  readonly idpDatabasePath: string;
  /** SQLite database for products and known users (MCP_EXAMPLE_DB). Default `:memory:`. */
  readonly databasePath: string;
  /**
   * Refuse callers missing from the users table (MCP_EXAMPLE_REQUIRE_KNOWN_USERS). Unset: on with the
   * embedded development provider (whose demo users are seeded), off with your own identity provider.
   */
  readonly requireKnownUsers?: boolean;
  /** Nest log levels to print, from LOG_LEVEL (error, warn, log, debug or verbose: that level and above). */
  readonly logLevels: LogLevel[];
  /** Hardening knobs; unset means the library's default (see docs/hardening.md). */
  readonly limits: ExampleLimits;
  /** The Prometheus endpoint (MCP_METRICS, MCP_METRICS_PORT); undefined: off. */
  readonly metrics?: { readonly path?: string; readonly port?: number };
  /** `/healthz` and `/readyz` (MCP_HEALTH). Default off: with them the issuer's keys are read at startup. */
  readonly health: boolean;
  /** The Nest HTTP platform the example runs on (MCP_EXAMPLE_PLATFORM): `express` (default) or `fastify`. */
  readonly platform: ExamplePlatform;
  /** Redis shared by the replicas (MCP_REDIS_URL, redis:// or rediss://); unset: all state in this process. */
  readonly redisUrl?: string;
  /** Log each MCP call with its duration (MCP_EXAMPLE_LOG_CALLS): a global interceptor. Default true. */
  readonly logCalls: boolean;
  /** Refuse every tool that changes the catalogue (MCP_EXAMPLE_READ_ONLY): a global guard. Default false. */
  readonly readOnly: boolean;
  /**
   * The key sealing the state of calls that ask the user (`delete_product`'s confirmation on 2026-07-28):
   * MCP_REQUEST_STATE_KEY (at least 32 bytes, the same on every replica), or MCP_REQUEST_STATE_KEY_FILE (a file
   * holding it, created with a random key on first use). Neither: a key made at startup (one process only).
   */
  readonly requestState: { readonly key?: string; readonly keyFile?: string };
  /** DPoP-bound tokens (RFC 9449): MCP_DPOP (`off`, `allowed` (default; `off` with Entra) or `required`) and MCP_DPOP_NONCE_SECRET. */
  readonly dpop: ExampleDpop;
  /** Downstream calls of the `stock_level` tool (MCP_DOWNSTREAM_*, MCP_INVENTORY_*; issue 25). */
  readonly downstream: DownstreamSettings;
  /** Enterprise-Managed Authorization and the scope snapshot (MCP_ENTERPRISE_MANAGED_AUTHORIZATION, MCP_SCOPE_SNAPSHOT_*; issue 25). */
  readonly enterprise: EnterpriseSettings;
}

/** The example's DPoP settings. */
export interface ExampleDpop {
  readonly mode: 'off' | 'allowed' | 'required';
  /** With it, every proof must carry a nonce the server minted (`use_dpop_nonce` until it does). */
  readonly nonceSecret?: string;
}

/** The example's Enterprise-Managed Authorization settings (issue 25). */
export interface EnterpriseSettings {
  /** MCP_ENTERPRISE_MANAGED_AUTHORIZATION: declare the extension (library option `enterpriseManagedAuthorization`). */
  readonly managedAuthorization: boolean;
  /** MCP_SCOPE_SNAPSHOT_FILE and MCP_SCOPE_SNAPSHOT_ON_DRIFT (`warn` or `fail`): the library's `scopeSnapshot`. */
  readonly scopeSnapshot?: { readonly file: string; readonly onDrift: 'warn' | 'fail' };
}

/**
 * How the example calls its inventory API as the user (issue 25). With the embedded provider it
 * is all built in; with your own issuer, `clientId`/`clientSecret` (this server's client for token
 * exchange or Entra on-behalf-of) and `inventoryAudiences` turn it on.
 */
export interface DownstreamSettings {
  /** MCP_DOWNSTREAM_CLIENT_ID (Entra: default the API's own client id). */
  readonly clientId?: string;
  /** MCP_DOWNSTREAM_CLIENT_SECRET. */
  readonly clientSecret?: string;
  /** MCP_INVENTORY_AUDIENCE, comma-separated: the first is asked for, every one is accepted by the inventory API. */
  readonly inventoryAudiences?: string[];
  /** MCP_INVENTORY_SCOPES: what is asked for there; the first is what the inventory API requires. Default `stock:read`. */
  readonly inventoryScopes: string[];
  /** MCP_EXAMPLE_INVENTORY_PORT: the inventory API's loopback port. Default 0: any free port. */
  readonly inventoryPort: number;
  /** MCP_DOWNSTREAM_CACHE_KEY: seals downstream tokens kept in Redis (required with MCP_REDIS_URL when the tool is on). */
  readonly cacheKey?: string;
}

/** Limits, rate limits and shutdown, each from its own environment variable. */
export interface ExampleLimits {
  readonly maxSessions?: number;
  readonly maxSessionsPerSubject?: number;
  readonly maxListenStreams?: number;
  readonly maxListenStreamsPerSubject?: number;
  readonly sessionMaxLifetimeMs?: number;
  readonly requestTimeoutMs?: number;
  readonly maxRequestBodyBytes?: number;
  readonly bodyTimeoutMs?: number;
  readonly maxHeaderBytes?: number;
  readonly shutdownTimeoutMs?: number;
  /** Requests per principal per minute; unset: no per-principal rate limit. */
  readonly rateLimitPerMinute?: number;
  /** Failed authentications per IP per minute; unset: no per-IP limit. */
  readonly unauthenticatedLimitPerMinute?: number;
}

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export type IdentityProviderKind = 'oidc' | 'keycloak' | 'entra';

/** `MCP_AUTH_KEYCLOAK_URL` + `MCP_AUTH_KEYCLOAK_REALM` (or `MCP_AUTH_ISSUER` = `<url>/realms/<realm>`), `MCP_AUTH_KEYCLOAK_CLIENT_ID`. */
export interface KeycloakSettings {
  readonly url: string;
  readonly realm: string;
  readonly clientId?: string;
}

/** The `MCP_AUTH_ENTRA_*` variables. */
export interface EntraSettings {
  readonly tenantId: string;
  readonly clientId: string;
  readonly appIdUri?: string;
  readonly acceptV1Tokens: boolean;
  readonly cloud?: EntraCloud;
  readonly authorityHost?: string;
  readonly allowedTenants?: string[];
}

/** The rungs of the ladder: signed JWTs from an identity provider, shared-secret JWTs, opaque tokens, API keys only. */
export type AuthMode = 'jwks' | 'hs256' | 'introspection' | 'api-keys';
const AUTH_MODES: readonly AuthMode[] = ['jwks', 'hs256', 'introspection', 'api-keys'];

/** The values of MCP_PROTOCOL, as the library's `protocol` option takes them. */
export type ExampleProtocol = 'dual' | 'modern' | 'legacy';

/** The values of MCP_EXAMPLE_PLATFORM: the Nest HTTP adapters the library supports. */
export type ExamplePlatform = 'express' | 'fastify';

/** A configuration mistake: one line saying which variable and why. */
export class ExampleConfigError extends Error {
  override readonly name = 'ExampleConfigError';
}

/**
 * Reads `PORT`, `HOST`, `MCP_AUTH_ISSUER`, `MCP_AUTH_AUDIENCE`, `MCP_AUTH_JWKS_URI`,
 * `MCP_AUTH_IDP`, `MCP_RESOURCE_URL`, `MCP_STATELESS`, `MCP_PROTOCOL`, `MCP_LISTING`, `MCP_ALLOWED_ORIGINS` and
 * `MCP_SESSION_IDLE_TIMEOUT_MS`, `LOG_LEVEL` and the limits of {@link loadLimits}; with `MCP_AUTH_IDP=keycloak` also the
 * `MCP_AUTH_KEYCLOAK_*` variables, with `MCP_AUTH_IDP=entra` the `MCP_AUTH_ENTRA_*` ones;
 * the rung from `MCP_AUTH_MODE` with `MCP_AUTH_HS256_SECRET`, `MCP_AUTH_INTROSPECTION_ENDPOINT`,
 * `MCP_AUTH_INTROSPECTION_CLIENT_ID`, `MCP_AUTH_INTROSPECTION_CLIENT_SECRET`,
 * `MCP_AUTH_INTROSPECTION_CACHE_SECONDS`, `MCP_API_KEYS_FILE`; the store from `MCP_EXAMPLE_DB`
 * and `MCP_EXAMPLE_REQUIRE_KNOWN_USERS`; the embedded provider's port, key and state from `MCP_EXAMPLE_IDP_PORT`,
 * `MCP_EXAMPLE_IDP_KEY_FILE` and `MCP_EXAMPLE_IDP_DB`;
 * the shared Redis from `MCP_REDIS_URL`; DPoP from `MCP_DPOP` and `MCP_DPOP_NONCE_SECRET`;
 * observability from `MCP_METRICS`, `MCP_METRICS_PORT` and `MCP_HEALTH`; the HTTP platform from
 * `MCP_EXAMPLE_PLATFORM`; the example's own enhancers from `MCP_EXAMPLE_LOG_CALLS` and `MCP_EXAMPLE_READ_ONLY`;
 * the key sealing the state of calls that ask the user from `MCP_REQUEST_STATE_KEY` or `MCP_REQUEST_STATE_KEY_FILE`.
 */
export function loadExampleConfig(env: NodeJS.ProcessEnv): ExampleConfig {
  const port = parsePort(env.PORT);
  const host = env.HOST?.trim() || '127.0.0.1';
  const idp = (env.MCP_AUTH_IDP?.trim() || 'oidc') as IdentityProviderKind;
  if (!['oidc', 'keycloak', 'entra'].includes(idp)) {
    throw new ExampleConfigError(`MCP_AUTH_IDP must be oidc, keycloak or entra (got "${env.MCP_AUTH_IDP}")`);
  }
  const mode = (env.MCP_AUTH_MODE?.trim() || 'jwks') as AuthMode;
  if (!AUTH_MODES.includes(mode))
    throw new ExampleConfigError(`MCP_AUTH_MODE must be one of ${AUTH_MODES.join(', ')} (got "${env.MCP_AUTH_MODE}")`);
  const issuer = optionalUrl('MCP_AUTH_ISSUER', env.MCP_AUTH_ISSUER);
  const audience = list(env.MCP_AUTH_AUDIENCE);
  const hs256Secret = env.MCP_AUTH_HS256_SECRET || undefined;
  const apiKeysFile = env.MCP_API_KEYS_FILE?.trim() || undefined;
  if (mode === 'hs256' && (!hs256Secret || !issuer)) {
    throw new ExampleConfigError(
      'MCP_AUTH_MODE=hs256 needs MCP_AUTH_HS256_SECRET (at least 32 bytes) and MCP_AUTH_ISSUER (the iss your tokens carry)',
    );
  }
  if (mode !== 'hs256' && hs256Secret) throw new ExampleConfigError('MCP_AUTH_HS256_SECRET is only used with MCP_AUTH_MODE=hs256');
  if (mode === 'api-keys' && !apiKeysFile)
    throw new ExampleConfigError('MCP_AUTH_MODE=api-keys needs MCP_API_KEYS_FILE (a JSON list of hashed keys; see `npm run hash-key`)');
  const requireAtJwt = parseBoolean('MCP_AUTH_REQUIRE_AT_JWT', env.MCP_AUTH_REQUIRE_AT_JWT);
  if (requireAtJwt && (mode === 'introspection' || mode === 'api-keys')) {
    throw new ExampleConfigError(`MCP_AUTH_REQUIRE_AT_JWT applies to JWTs (MCP_AUTH_MODE=jwks or hs256), not to MCP_AUTH_MODE=${mode}`);
  }
  if ((mode === 'hs256' || mode === 'api-keys') && idp !== 'oidc') {
    throw new ExampleConfigError(`MCP_AUTH_MODE=${mode} takes no identity provider preset; leave MCP_AUTH_IDP unset (got "${idp}")`);
  }
  // Without MCP_AUTH_ISSUER (and MCP_AUTH_IDP=oidc) the embedded provider runs and brings its own introspection client.
  const embedded = idp === 'oidc' && !issuer;
  if (mode === 'introspection' && !embedded && !(env.MCP_AUTH_INTROSPECTION_CLIENT_ID && env.MCP_AUTH_INTROSPECTION_CLIENT_SECRET)) {
    throw new ExampleConfigError(
      'MCP_AUTH_MODE=introspection with your own identity provider needs MCP_AUTH_INTROSPECTION_CLIENT_ID and MCP_AUTH_INTROSPECTION_CLIENT_SECRET',
    );
  }
  // By default the resource URL names the address the server is reached at, so the URL a user copies is
  // the one clients connect to and find again, exactly, in the metadata's `resource`.
  const resourceUrl =
    optionalUrl('MCP_RESOURCE_URL', env.MCP_RESOURCE_URL)?.replace(/\/+$/, '') ?? `http://${reachableHost(host)}:${port}/mcp`;
  return {
    mode,
    hs256Secret,
    apiKeysFile,
    introspection:
      mode === 'introspection'
        ? {
            clientId: env.MCP_AUTH_INTROSPECTION_CLIENT_ID || undefined,
            clientSecret: env.MCP_AUTH_INTROSPECTION_CLIENT_SECRET || undefined,
            endpoint: optionalUrl('MCP_AUTH_INTROSPECTION_ENDPOINT', env.MCP_AUTH_INTROSPECTION_ENDPOINT),
            cacheMaxSeconds: optionalNonNegativeInteger('MCP_AUTH_INTROSPECTION_CACHE_SECONDS', env.MCP_AUTH_INTROSPECTION_CACHE_SECONDS),
          }
        : undefined,
    ...embeddedProviderState(env, port),
    databasePath: env.MCP_EXAMPLE_DB?.trim() || ':memory:',
    requireKnownUsers: env.MCP_EXAMPLE_REQUIRE_KNOWN_USERS?.trim()
      ? parseBoolean('MCP_EXAMPLE_REQUIRE_KNOWN_USERS', env.MCP_EXAMPLE_REQUIRE_KNOWN_USERS)
      : undefined,
    port,
    host,
    issuer,
    audience,
    jwksUri: optionalUrl('MCP_AUTH_JWKS_URI', env.MCP_AUTH_JWKS_URI),
    requireAtJwt,
    idp,
    keycloak: idp === 'keycloak' ? keycloakSettings(env, issuer) : undefined,
    entra: idp === 'entra' ? entraSettings(env, issuer, audience) : undefined,
    resourceUrl,
    path: parsePath(env.MCP_PATH) ?? (new URL(resourceUrl).pathname.replace(/\/+$/, '') || '/'),
    stateless: parseBoolean('MCP_STATELESS', env.MCP_STATELESS),
    protocol: parseProtocol(env.MCP_PROTOCOL),
    listing: parseListing(env.MCP_LISTING),
    allowedOrigins: list(env.MCP_ALLOWED_ORIGINS),
    sessionIdleTimeoutMs: optionalPositiveInteger('MCP_SESSION_IDLE_TIMEOUT_MS', env.MCP_SESSION_IDLE_TIMEOUT_MS),
    scopeHierarchy: parseScopeHierarchy(env.MCP_SCOPE_HIERARCHY),
    baselineScopes: list(env.MCP_BASELINE_SCOPES?.replace(/\s+/g, ',')) ?? ['User.Read'],
    logLevels: parseLogLevel(env.LOG_LEVEL),
    limits: loadLimits(env),
    metrics: parseMetrics(env.MCP_METRICS, env.MCP_METRICS_PORT),
    health: parseBoolean('MCP_HEALTH', env.MCP_HEALTH),
    platform: parsePlatform(env.MCP_EXAMPLE_PLATFORM),
    redisUrl: redisUrlOf(env.MCP_REDIS_URL),
    logCalls: env.MCP_EXAMPLE_LOG_CALLS?.trim() ? parseBoolean('MCP_EXAMPLE_LOG_CALLS', env.MCP_EXAMPLE_LOG_CALLS) : true,
    readOnly: parseBoolean('MCP_EXAMPLE_READ_ONLY', env.MCP_EXAMPLE_READ_ONLY),
    requestState: requestStateOf(env),
    dpop: dpopOf(env.MCP_DPOP, env.MCP_DPOP_NONCE_SECRET, idp),
    downstream: downstreamSettings(env, idp, embedded),
    enterprise: enterpriseSettings(env),
  };
}

/** `MCP_ENTERPRISE_MANAGED_AUTHORIZATION`, `MCP_SCOPE_SNAPSHOT_FILE`, `MCP_SCOPE_SNAPSHOT_ON_DRIFT` (issue 25). */
function enterpriseSettings(env: NodeJS.ProcessEnv): EnterpriseSettings {
  const managedAuthorization = parseBoolean('MCP_ENTERPRISE_MANAGED_AUTHORIZATION', env.MCP_ENTERPRISE_MANAGED_AUTHORIZATION);
  const file = env.MCP_SCOPE_SNAPSHOT_FILE?.trim() || undefined;
  const onDrift = env.MCP_SCOPE_SNAPSHOT_ON_DRIFT?.trim() || 'warn';
  if (onDrift !== 'warn' && onDrift !== 'fail') {
    throw new ExampleConfigError(`MCP_SCOPE_SNAPSHOT_ON_DRIFT must be warn or fail (got "${env.MCP_SCOPE_SNAPSHOT_ON_DRIFT}")`);
  }
  if (!file && env.MCP_SCOPE_SNAPSHOT_ON_DRIFT?.trim()) {
    throw new ExampleConfigError(
      'MCP_SCOPE_SNAPSHOT_ON_DRIFT needs MCP_SCOPE_SNAPSHOT_FILE: the recorded snapshot (npm run scope-snapshot)',
    );
  }
  return { managedAuthorization, ...(file ? { scopeSnapshot: { file, onDrift } } : {}) };
}

/** `MCP_DOWNSTREAM_CLIENT_ID`, `MCP_DOWNSTREAM_CLIENT_SECRET`, `MCP_INVENTORY_AUDIENCE`, `MCP_INVENTORY_SCOPES`, `MCP_EXAMPLE_INVENTORY_PORT`, `MCP_DOWNSTREAM_CACHE_KEY` (issue 25). */
function downstreamSettings(env: NodeJS.ProcessEnv, idp: IdentityProviderKind, embedded: boolean): DownstreamSettings {
  const clientId = env.MCP_DOWNSTREAM_CLIENT_ID?.trim() || undefined;
  const clientSecret = env.MCP_DOWNSTREAM_CLIENT_SECRET || undefined;
  const inventoryAudiences = list(env.MCP_INVENTORY_AUDIENCE);
  if (!embedded && (clientSecret !== undefined) !== (inventoryAudiences !== undefined)) {
    throw new ExampleConfigError(
      "The stock_level tool with your own identity provider needs both MCP_DOWNSTREAM_CLIENT_SECRET (this server's client for token exchange) and MCP_INVENTORY_AUDIENCE (what to ask a token for); see docs/downstream.md",
    );
  }
  if (!embedded && clientSecret !== undefined && clientId === undefined && idp !== 'entra') {
    throw new ExampleConfigError(
      "MCP_DOWNSTREAM_CLIENT_SECRET needs MCP_DOWNSTREAM_CLIENT_ID: this server's client at your identity provider",
    );
  }
  const cacheKey = env.MCP_DOWNSTREAM_CACHE_KEY || undefined;
  if (cacheKey !== undefined && Buffer.byteLength(cacheKey) < 32) {
    throw new ExampleConfigError('MCP_DOWNSTREAM_CACHE_KEY must be at least 32 bytes (e.g. `openssl rand -base64 48`)');
  }
  return {
    clientId,
    clientSecret,
    inventoryAudiences,
    inventoryScopes: list(env.MCP_INVENTORY_SCOPES?.replace(/\s+/g, ',')) ?? ['stock:read'],
    inventoryPort: parsePort(env.MCP_EXAMPLE_INVENTORY_PORT, 'MCP_EXAMPLE_INVENTORY_PORT', 0),
    cacheKey,
  };
}

/**
 * `MCP_DPOP`: whether tokens may (`allowed`), must (`required`) or may not (`off`) be DPoP-bound.
 * Default `allowed` (the embedded provider, Keycloak and other OIDC issuers bind the tokens of
 * clients that send a proof), `off` with Entra ID, which issues no DPoP-bound tokens for your
 * own APIs: the metadata then advertises nothing it cannot get. `MCP_DPOP_NONCE_SECRET` (at least
 * 32 bytes) turns on server nonces.
 */
function dpopOf(value: string | undefined, nonceSecret: string | undefined, idp: IdentityProviderKind): ExampleDpop {
  const mode = value?.trim().toLowerCase() || (idp === 'entra' ? 'off' : 'allowed');
  if (mode !== 'off' && mode !== 'allowed' && mode !== 'required') {
    throw new ExampleConfigError(`MCP_DPOP must be off, allowed or required (got "${value}")`);
  }
  const secret = nonceSecret || undefined;
  if (secret !== undefined && Buffer.byteLength(secret) < 32) {
    throw new ExampleConfigError('MCP_DPOP_NONCE_SECRET must be at least 32 bytes (e.g. `openssl rand -base64 48`)');
  }
  if (secret !== undefined && mode === 'off') throw new ExampleConfigError('MCP_DPOP_NONCE_SECRET needs MCP_DPOP=allowed or required');
  return { mode, ...(secret ? { nonceSecret: secret } : {}) };
}

/**
 * Where the example keeps what must outlive a restart of the embedded development provider: `.data/` in the
 * project (git-ignored), beside `src/` and `dist/`. Resolved from this file, not from the working directory.
 */
export const EXAMPLE_DATA_DIR = fileURLToPath(new URL('../../.data/', import.meta.url));

/**
 * `MCP_EXAMPLE_IDP_PORT`, `MCP_EXAMPLE_IDP_KEY_FILE` and `MCP_EXAMPLE_IDP_DB`: by default the embedded provider
 * keeps its URL (the server's port + 1), its signing key and its clients across restarts, so that a client that
 * logged in once (an MCP Inspector, an SDK client with stored tokens) keeps working when the example restarts.
 */
function embeddedProviderState(env: NodeJS.ProcessEnv, port: number): Pick<ExampleConfig, 'idpPort' | 'idpKeyFile' | 'idpDatabasePath'> {
  const idpPort = parsePort(env.MCP_EXAMPLE_IDP_PORT, 'MCP_EXAMPLE_IDP_PORT', port === 0 || port === 65535 ? 0 : port + 1);
  return {
    idpPort,
    idpKeyFile: env.MCP_EXAMPLE_IDP_KEY_FILE?.trim() || join(EXAMPLE_DATA_DIR, 'dev-idp-key.json'),
    idpDatabasePath: env.MCP_EXAMPLE_IDP_DB?.trim() || (idpPort === 0 ? ':memory:' : join(EXAMPLE_DATA_DIR, `dev-idp-${idpPort}.sqlite`)),
  };
}

/** `MCP_REQUEST_STATE_KEY` or `MCP_REQUEST_STATE_KEY_FILE` (see {@link ExampleConfig.requestState}). */
function requestStateOf(env: NodeJS.ProcessEnv): ExampleConfig['requestState'] {
  const key = env.MCP_REQUEST_STATE_KEY || undefined;
  const keyFile = env.MCP_REQUEST_STATE_KEY_FILE?.trim() || undefined;
  if (key !== undefined && keyFile !== undefined) {
    throw new ExampleConfigError('Set MCP_REQUEST_STATE_KEY or MCP_REQUEST_STATE_KEY_FILE, not both');
  }
  if (key !== undefined && Buffer.byteLength(key, 'utf8') < 32) {
    throw new ExampleConfigError(
      'MCP_REQUEST_STATE_KEY must be at least 32 bytes, the same on every replica (e.g. `openssl rand -base64 48`)',
    );
  }
  return { key, keyFile };
}

/** `MCP_REDIS_URL`: the Redis the replicas share (see docs/scaling.md). */
function redisUrlOf(value: string | undefined): string | undefined {
  const url = value?.trim();
  if (!url) return undefined;
  if (!/^rediss?:\/\/./.test(url)) throw new ExampleConfigError('MCP_REDIS_URL must be a redis:// or rediss:// URL');
  return url;
}

/**
 * `MCP_METRICS`: `true` serves the metrics at /metrics on the server's own port, a path (`/internal/metrics`)
 * at that path, `false` or unset nothing; `MCP_METRICS_PORT` serves them on a loopback port of their own instead.
 */
function parseMetrics(value: string | undefined, portValue: string | undefined): ExampleConfig['metrics'] {
  const port = portValue?.trim() ? parsePort(portValue, 'MCP_METRICS_PORT') : undefined;
  const setting = value?.trim() ?? '';
  if (setting.startsWith('/')) {
    if (!/^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/.test(setting)) {
      throw new ExampleConfigError(`MCP_METRICS must be true, false or a path like /metrics, without trailing slash (got "${value}")`);
    }
    return { path: setting, ...(port !== undefined ? { port } : {}) };
  }
  const enabled = setting === '' ? port !== undefined : parseBooleanNamed('MCP_METRICS', setting, 'true, false or a path like /metrics');
  if (!enabled) {
    if (port !== undefined) throw new ExampleConfigError('MCP_METRICS_PORT needs metrics on: leave MCP_METRICS unset or set it to true');
    return undefined;
  }
  return port !== undefined ? { port } : {};
}

function parseBooleanNamed(name: string, value: string, expected: string): boolean {
  const normalised = value.toLowerCase();
  if (normalised === 'true' || normalised === '1') return true;
  if (normalised === 'false' || normalised === '0') return false;
  throw new ExampleConfigError(`${name} must be ${expected} (got "${value}")`);
}

/**
 * Reads `MCP_MAX_SESSIONS`, `MCP_MAX_SESSIONS_PER_SUBJECT`, `MCP_MAX_LISTEN_STREAMS`,
 * `MCP_MAX_LISTEN_STREAMS_PER_SUBJECT`, `MCP_SESSION_MAX_LIFETIME_MS`,
 * `MCP_REQUEST_TIMEOUT_MS`, `MCP_MAX_BODY_BYTES`, `MCP_BODY_TIMEOUT_MS`, `MCP_MAX_HEADER_BYTES`, `MCP_SHUTDOWN_TIMEOUT_MS`,
 * `MCP_RATE_LIMIT_PER_MINUTE` and `MCP_UNAUTHENTICATED_LIMIT_PER_MINUTE`.
 */
function loadLimits(env: NodeJS.ProcessEnv): ExampleLimits {
  return {
    maxSessions: optionalPositiveInteger('MCP_MAX_SESSIONS', env.MCP_MAX_SESSIONS),
    maxSessionsPerSubject: optionalPositiveInteger('MCP_MAX_SESSIONS_PER_SUBJECT', env.MCP_MAX_SESSIONS_PER_SUBJECT),
    maxListenStreams: optionalPositiveInteger('MCP_MAX_LISTEN_STREAMS', env.MCP_MAX_LISTEN_STREAMS),
    maxListenStreamsPerSubject: optionalPositiveInteger('MCP_MAX_LISTEN_STREAMS_PER_SUBJECT', env.MCP_MAX_LISTEN_STREAMS_PER_SUBJECT),
    sessionMaxLifetimeMs: optionalPositiveInteger('MCP_SESSION_MAX_LIFETIME_MS', env.MCP_SESSION_MAX_LIFETIME_MS),
    requestTimeoutMs: optionalPositiveInteger('MCP_REQUEST_TIMEOUT_MS', env.MCP_REQUEST_TIMEOUT_MS),
    maxRequestBodyBytes: optionalPositiveInteger('MCP_MAX_BODY_BYTES', env.MCP_MAX_BODY_BYTES),
    bodyTimeoutMs: optionalPositiveInteger('MCP_BODY_TIMEOUT_MS', env.MCP_BODY_TIMEOUT_MS),
    maxHeaderBytes: optionalPositiveInteger('MCP_MAX_HEADER_BYTES', env.MCP_MAX_HEADER_BYTES),
    shutdownTimeoutMs: optionalPositiveInteger('MCP_SHUTDOWN_TIMEOUT_MS', env.MCP_SHUTDOWN_TIMEOUT_MS),
    rateLimitPerMinute: optionalPositiveInteger('MCP_RATE_LIMIT_PER_MINUTE', env.MCP_RATE_LIMIT_PER_MINUTE),
    unauthenticatedLimitPerMinute: optionalPositiveInteger(
      'MCP_UNAUTHENTICATED_LIMIT_PER_MINUTE',
      env.MCP_UNAUTHENTICATED_LIMIT_PER_MINUTE,
    ),
  };
}

function keycloakSettings(env: NodeJS.ProcessEnv, issuer: string | undefined): KeycloakSettings {
  const clientId = env.MCP_AUTH_KEYCLOAK_CLIENT_ID?.trim() || undefined;
  const url = optionalUrl('MCP_AUTH_KEYCLOAK_URL', env.MCP_AUTH_KEYCLOAK_URL);
  const realm = env.MCP_AUTH_KEYCLOAK_REALM?.trim();
  if (url && realm) return { url, realm, clientId };
  // A realm's issuer is <url>/realms/<realm>: accept it whole, as MCP_AUTH_ISSUER.
  const match = issuer ? /^(.*)\/realms\/([^/]+)\/?$/.exec(issuer) : null;
  if (match && !url && !realm) return { url: match[1], realm: decodeURIComponent(match[2]), clientId };
  throw new ExampleConfigError(
    'MCP_AUTH_IDP=keycloak needs MCP_AUTH_KEYCLOAK_URL and MCP_AUTH_KEYCLOAK_REALM (e.g. https://sso.example.com and acme), or MCP_AUTH_ISSUER=<url>/realms/<realm>',
  );
}

function entraSettings(env: NodeJS.ProcessEnv, issuer: string | undefined, audience: string[] | undefined): EntraSettings {
  // The single-issuer form still works: MCP_AUTH_ISSUER=https://login.microsoftonline.com/<tenant>/v2.0 and
  // MCP_AUTH_AUDIENCE=<client-id>,api://<client-id> name the tenant, the authority host and both audiences.
  const fromIssuer = issuer ? /^(https?:\/\/[^/]+)\/([^/]+)\/v2\.0\/?$/.exec(issuer) : null;
  if (issuer && !fromIssuer) {
    throw new ExampleConfigError(
      `MCP_AUTH_ISSUER with MCP_AUTH_IDP=entra must be the v2 issuer https://login.microsoftonline.com/<tenant-id>/v2.0 (got "${issuer}")`,
    );
  }
  const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const tenantId = env.MCP_AUTH_ENTRA_TENANT_ID?.trim() || fromIssuer?.[2];
  const clientId = env.MCP_AUTH_ENTRA_CLIENT_ID?.trim() || audience?.find((aud) => guid.test(aud));
  if (!tenantId || !clientId) {
    throw new ExampleConfigError(
      "MCP_AUTH_IDP=entra needs MCP_AUTH_ENTRA_TENANT_ID and MCP_AUTH_ENTRA_CLIENT_ID (the API app registration's directory and application ids)",
    );
  }
  const appIdUris = (audience ?? []).filter((aud) => aud !== clientId);
  if (appIdUris.length > 1 || (appIdUris.length === 1 && guid.test(appIdUris[0]))) {
    throw new ExampleConfigError('MCP_AUTH_AUDIENCE with MCP_AUTH_IDP=entra may only name the client id and the App ID URI');
  }
  const cloud = env.MCP_AUTH_ENTRA_CLOUD?.trim() || undefined;
  if (cloud !== undefined && !['public', 'usgov', 'china'].includes(cloud)) {
    throw new ExampleConfigError(`MCP_AUTH_ENTRA_CLOUD must be public, usgov or china (got "${cloud}")`);
  }
  const issuerHost = fromIssuer && fromIssuer[1] !== 'https://login.microsoftonline.com' && !cloud ? fromIssuer[1] : undefined;
  return {
    tenantId,
    clientId,
    appIdUri: env.MCP_AUTH_ENTRA_APP_ID_URI?.trim() || appIdUris[0],
    acceptV1Tokens: parseBoolean('MCP_AUTH_ENTRA_ACCEPT_V1_TOKENS', env.MCP_AUTH_ENTRA_ACCEPT_V1_TOKENS),
    cloud: cloud as EntraCloud | undefined,
    authorityHost: optionalUrl('MCP_AUTH_ENTRA_AUTHORITY_HOST', env.MCP_AUTH_ENTRA_AUTHORITY_HOST) ?? issuerHost,
    allowedTenants: list(env.MCP_AUTH_ENTRA_ALLOWED_TENANTS),
  };
}

function parsePort(value: string | undefined, name = 'PORT', fallback = 3000): number {
  if (value === undefined || value.trim() === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ExampleConfigError(`${name} must be a port number (got "${value}")`);
  return port;
}

/**
 * The host of the default resource URL: the listening address itself, written as a URL host;
 * for the wildcard addresses, the loopback address a local client reaches them at.
 */
function reachableHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return 'localhost';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function optionalUrl(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new ExampleConfigError(`${name} must be an absolute URL (got "${value}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ExampleConfigError(`${name} must be an http(s) URL (got "${value}")`);
  return trimmed;
}

function parseProtocol(value: string | undefined): ExampleProtocol {
  const protocol = value?.trim() || 'dual';
  if (protocol !== 'dual' && protocol !== 'modern' && protocol !== 'legacy') {
    throw new ExampleConfigError(`MCP_PROTOCOL must be dual, modern or legacy (got "${value}")`);
  }
  return protocol;
}

function parsePlatform(value: string | undefined): ExamplePlatform {
  const platform = value?.trim().toLowerCase() || 'express';
  if (platform !== 'express' && platform !== 'fastify') {
    throw new ExampleConfigError(`MCP_EXAMPLE_PLATFORM must be express or fastify (got "${value}")`);
  }
  return platform;
}

function parseBoolean(name: string, value: string | undefined): boolean {
  if (value === undefined || value.trim() === '') return false;
  const normalised = value.trim().toLowerCase();
  if (normalised === 'true' || normalised === '1') return true;
  if (normalised === 'false' || normalised === '0') return false;
  throw new ExampleConfigError(`${name} must be true or false (got "${value}")`);
}

function optionalPositiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new ExampleConfigError(`${name} must be a positive whole number (got "${value}")`);
  return number;
}

function parseScopeHierarchy(value: string | undefined): Record<string, string[]> | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const problem =
    'MCP_SCOPE_HIERARCHY must be a JSON object of scope lists, e.g. {"Admin.Write":["User.Write"],"User.Write":["User.Read"]}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ExampleConfigError(problem);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ExampleConfigError(problem);
  for (const implied of Object.values(parsed)) {
    if (!Array.isArray(implied) || implied.some((scope) => typeof scope !== 'string')) throw new ExampleConfigError(problem);
  }
  return parsed as Record<string, string[]>;
}

/**
 * `MCP_LISTING`: the example lists everything by default (the library's default is `granted`), so that a client
 * holding `User.Read` sees `delete_product`, calls it, meets the 403 and steps up: what the banner promises. Clients
 * that only call tools they were shown (the MCP Inspector, most agents) never reach a step-up otherwise.
 */
function parseListing(value: string | undefined): NonNullable<ExampleConfig['listing']> {
  const listing = value?.trim().toLowerCase();
  if (!listing) return 'all';
  if (listing !== 'granted' && listing !== 'all') throw new ExampleConfigError(`MCP_LISTING must be granted or all (got "${value}")`);
  return listing;
}

function parsePath(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const path = value.trim();
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(path) || (path.length > 1 && path.endsWith('/'))) {
    throw new ExampleConfigError(`MCP_PATH must be an absolute path like /mcp, without trailing slash (got "${value}")`);
  }
  return path;
}

function parseLogLevel(value: string | undefined): LogLevel[] {
  const level = (value?.trim().toLowerCase() || 'log') as LogLevel;
  const index = LOG_LEVELS.indexOf(level);
  if (index < 0) throw new ExampleConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${value}")`);
  return LOG_LEVELS.slice(0, index + 1);
}

function optionalNonNegativeInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0)
    throw new ExampleConfigError(`${name} must be a whole number of at least 0 (got "${value}")`);
  return number;
}

function list(value: string | undefined): string[] | undefined {
  const items = value
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return items && items.length > 0 ? items : undefined;
}
