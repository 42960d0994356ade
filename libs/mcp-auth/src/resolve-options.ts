import { defaultClaimsToScopes } from './authentication/claims-to-scopes.js';
import { resolveIssuers } from './authentication/identity-providers/resolve-issuers.js';
import { JWKS_DEFAULTS } from './authentication/keys/jwks-key-store.js';
import { resolveScopeHierarchy } from './authorization/scope-hierarchy.js';
import { MCP_LISTINGS } from './authorization/listing.js';
import type { McpRedisOptions, ResolvedRedisOptions } from './redis/redis.options.js';
import { McpAuthConfigurationError } from './mcp-auth-configuration.error.js';
import { resolveLimits } from './limits/resolve-limits.js';
import { checkApiKeys } from './resolve-credentials.js';
import type { JwksCacheOptions, JwtAlgorithm, McpAuthOptions, ResolvedMcpAuthOptions } from './mcp-auth.options.js';
import { positiveInteger, requireUrl } from './option-validation.js';
import { MCP_PROTOCOLS } from './transport/protocol-era.js';
import { defaultAllowedHosts } from './transport/host-check.js';
import { resolveHealth, resolveMetrics } from './observability/resolve-observability.js';
import { resolveDpop } from './authentication/dpop/resolve-dpop.js';
import type { McpProtocol } from './transport/protocol-era.js';
import { resolveDownstreamCache } from './downstream/resolve-downstream.js';
import { resolveScopeSnapshot } from './authorization/scope-snapshot.options.js';
import { resolveEnterpriseManagedAuthorization } from './metadata/enterprise-managed-authorization.js';
import { resolveRequestState } from './asking/resolve-request-state.js';

const ASYMMETRIC_ALGORITHMS: readonly JwtAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
const MAX_CLOCK_TOLERANCE_SECONDS = 60;

/**
 * Validates the options once at startup, fills in defaults and discovers the JWKS URL.
 * Every mistake raises {@link McpAuthConfigurationError} naming the option and the fix.
 */
export async function resolveOptions(options: McpAuthOptions, path: string): Promise<ResolvedMcpAuthOptions> {
  if (!options || typeof options !== 'object') {
    throw new McpAuthConfigurationError(
      'options',
      'must be an object with at least "issuer" (or "issuers", or "apiKeys") and "resourceUrl"',
    );
  }
  const resourceUrl = requireUrl('resourceUrl', options.resourceUrl);
  if (resourceUrl.endsWith('/') || new URL(resourceUrl).hash || new URL(resourceUrl).search) {
    throw new McpAuthConfigurationError(
      'resourceUrl',
      `must be the endpoint URL without trailing slash, query or fragment (got ${resourceUrl})`,
    );
  }
  checkPath(path);

  const algorithms = options.algorithms ?? ['RS256'];
  if (!Array.isArray(algorithms) || algorithms.length === 0 || algorithms.some((alg) => !ASYMMETRIC_ALGORITHMS.includes(alg))) {
    throw new McpAuthConfigurationError('algorithms', `must list asymmetric JWS algorithms from ${ASYMMETRIC_ALGORITHMS.join(', ')}`);
  }

  const clockToleranceSeconds = options.clockToleranceSeconds ?? 5;
  if (!Number.isFinite(clockToleranceSeconds) || clockToleranceSeconds < 0 || clockToleranceSeconds > MAX_CLOCK_TOLERANCE_SECONDS) {
    throw new McpAuthConfigurationError('clockToleranceSeconds', `must be between 0 and ${MAX_CLOCK_TOLERANCE_SECONDS}`);
  }

  const allowedOrigins = options.allowedOrigins ?? [new URL(resourceUrl).origin];
  for (const origin of allowedOrigins) {
    if (origin !== '*' && (typeof origin !== 'string' || !/^https?:\/\/[^/]+$/.test(origin))) {
      throw new McpAuthConfigurationError(
        'allowedOrigins',
        `entries must be origins like https://app.example.com (got ${JSON.stringify(origin)})`,
      );
    }
  }

  const metrics = resolveMetrics(options.metrics, path, defaultAllowedHosts(resourceUrl, allowedOrigins));
  const health = resolveHealth(options.health, path, metrics);

  const scopeHierarchy = resolveScopeHierarchy(options.scopeHierarchy);
  const server = options.server ?? { name: 'mcp-server', version: '1.0.0' };
  const limits = resolveLimits(options);
  const claimsToScopes = options.claimsToScopes ?? defaultClaimsToScopes;
  const apiKeys = checkApiKeys(options.apiKeys);
  const issuers = await resolveIssuers(options, {
    resourceUrl,
    claimsToScopes,
    discoveryTimeoutMs: options.discoveryTimeoutMs ?? 10_000,
    // API keys alone need no identity provider.
    issuerOptional: apiKeys !== undefined,
  });
  const redis = resolveRedis(options.redis, resourceUrl);
  const scopeSnapshot = await resolveScopeSnapshot(options.scopeSnapshot);

  return {
    issuers,
    issuer: issuers[0]?.issuers[0] ?? '',
    audiences: issuers[0]?.audiences ?? [resourceUrl],
    jwksUri: issuers[0]?.jwksUri ?? '',
    scopeHierarchy,
    algorithms,
    apiKeys,
    clockToleranceSeconds,
    dpop: resolveDpop(
      options.dpop,
      issuers.map((issuer) => issuer.dpop),
    ),
    resourceUrl,
    path,
    resourceMetadataUrl: protectedResourceMetadataUrl(resourceUrl),
    stateless: options.stateless ?? false,
    protocol: resolveProtocol(options.protocol),
    allowedOrigins,
    server,
    resourceName: options.resourceName ?? server.name,
    claimsToScopes,
    validateUser: options.validateUser,
    revalidateUserMs: positiveInteger('revalidateUserMs', options.revalidateUserMs, 60_000),
    challengeScopes: options.challengeScopes,
    listing: resolveListing(options.listing),
    pageSize: positiveInteger('pageSize', options.pageSize, 100),
    baselineScopes: scopeList('baselineScopes', options.baselineScopes),
    sessionIdleTimeoutMs: positiveInteger('sessionIdleTimeoutMs', options.sessionIdleTimeoutMs, 30 * 60_000),
    maxRequestBodyBytes: positiveInteger('maxRequestBodyBytes', options.maxRequestBodyBytes, 1024 * 1024),
    jsonResponse: options.jsonResponse ?? true,
    ...limits,
    jwks: resolveJwksCache(options.jwks),
    tokenCache:
      options.tokenCache === false
        ? false
        : { maxEntries: positiveInteger('tokenCache.maxEntries', options.tokenCache?.maxEntries, 10_000) },
    redis,
    downstreamCache: resolveDownstreamCache(
      options.downstreamCache,
      redis,
      issuers.some((issuer) => issuer.downstream),
    ),
    enterpriseManagedAuthorization: resolveEnterpriseManagedAuthorization(options.enterpriseManagedAuthorization, issuers.length > 0),
    ...(scopeSnapshot ? { scopeSnapshot } : {}),
    ...(metrics ? { metrics } : {}),
    ...(health ? { health } : {}),
    requestState: resolveRequestState(options.requestState),
  };
}

/**
 * RFC 9728 §3.1: insert `/.well-known/oauth-protected-resource` between the host and
 * the path of the resource URL (`https://h/mcp` → `https://h/.well-known/oauth-protected-resource/mcp`).
 */
export function protectedResourceMetadataUrl(resourceUrl: string): string {
  const url = new URL(resourceUrl);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}

function resolveProtocol(protocol: McpProtocol | undefined): McpProtocol {
  if (protocol === undefined) return 'dual';
  if (!MCP_PROTOCOLS.includes(protocol)) {
    throw new McpAuthConfigurationError('protocol', `must be one of ${MCP_PROTOCOLS.join(', ')} (got ${JSON.stringify(protocol)})`);
  }
  return protocol;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** An optional list of OAuth scopes (RFC 6749 §3.3 scope-tokens). */
function scopeList(option: string, value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((scope) => typeof scope !== 'string' || !SCOPE_TOKEN.test(scope))) {
    throw new McpAuthConfigurationError(option, `must be a list of OAuth scopes, e.g. ['User.Read'] (got ${JSON.stringify(value)})`);
  }
  return [...new Set(value as string[])];
}

function checkPath(path: string): void {
  if (typeof path !== 'string' || !/^\/[A-Za-z0-9._~\-/]*$/.test(path) || (path.length > 1 && path.endsWith('/'))) {
    throw new McpAuthConfigurationError('path', `must be an absolute path like /mcp without trailing slash (got ${JSON.stringify(path)})`);
  }
}

function resolveListing(listing: McpAuthOptions['listing']): ResolvedMcpAuthOptions['listing'] {
  if (listing === undefined) return 'granted';
  if (!MCP_LISTINGS.includes(listing)) {
    throw new McpAuthConfigurationError(
      'listing',
      `must be ${MCP_LISTINGS.map((l) => `'${l}'`).join(' or ')} (got ${JSON.stringify(listing)})`,
    );
  }
  return listing;
}

function resolveJwksCache(jwks: JwksCacheOptions | undefined): Required<JwksCacheOptions> {
  const resolved = {
    cacheMaxAgeMs: positiveInteger('jwks.cacheMaxAgeMs', jwks?.cacheMaxAgeMs, JWKS_DEFAULTS.cacheMaxAgeMs),
    cooldownMs: positiveInteger('jwks.cooldownMs', jwks?.cooldownMs, JWKS_DEFAULTS.cooldownMs),
    timeoutMs: positiveInteger('jwks.timeoutMs', jwks?.timeoutMs, JWKS_DEFAULTS.timeoutMs),
    maxStaleMs: positiveInteger('jwks.maxStaleMs', jwks?.maxStaleMs, JWKS_DEFAULTS.maxStaleMs),
  };
  if (resolved.cooldownMs > JWKS_DEFAULTS.cooldownMs) {
    throw new McpAuthConfigurationError(
      'jwks.cooldownMs',
      `must be at most ${JWKS_DEFAULTS.cooldownMs} ms, so a rotated key is usable within that window`,
    );
  }
  return resolved;
}

/**
 * `redis`: a `redis://`/`rediss://` URL or a client, not both. The key prefix defaults to one of
 * this resource's own, so that two MCP servers sharing a Redis never share sessions, rate-limit
 * counters, events or introspection answers by accident: replicas of one server share it because
 * they serve the same `resourceUrl`.
 */
function resolveRedis(redis: McpRedisOptions | undefined, resourceUrl: string): ResolvedRedisOptions | undefined {
  if (redis === undefined) return undefined;
  if (typeof redis !== 'object' || redis === null) {
    throw new McpAuthConfigurationError('redis', 'must be an object: { url } or { client }');
  }
  const hasUrl = redis.url !== undefined;
  if (hasUrl === (redis.client !== undefined)) {
    throw new McpAuthConfigurationError('redis', 'needs exactly one of url and client');
  }
  if (hasUrl) {
    let protocol = '';
    try {
      protocol = new URL(String(redis.url)).protocol;
    } catch {
      // reported below
    }
    if (protocol !== 'redis:' && protocol !== 'rediss:') {
      throw new McpAuthConfigurationError('redis.url', 'must be a redis:// or rediss:// URL');
    }
  }
  // The module's scripts build some key names from their arguments, which ioredis' own keyPrefix does not touch.
  const ownPrefix = (redis.client as { options?: { keyPrefix?: unknown } } | undefined)?.options?.keyPrefix;
  if (typeof ownPrefix === 'string' && ownPrefix !== '') {
    throw new McpAuthConfigurationError(
      'redis.client',
      "has ioredis' own keyPrefix, which the module's scripts would not see: create the client without it and set redis.keyPrefix instead",
    );
  }
  const keyPrefix = redis.keyPrefix ?? defaultRedisKeyPrefix(resourceUrl);
  if (typeof keyPrefix !== 'string' || keyPrefix === '') {
    throw new McpAuthConfigurationError('redis.keyPrefix', 'must be a non-empty string');
  }
  return { url: redis.url, client: redis.client, keyPrefix };
}

/** The default `redis.keyPrefix`: `mcp-auth:` and the resource URL, e.g. `mcp-auth:https://api.example.com/mcp:`. */
export function defaultRedisKeyPrefix(resourceUrl: string): string {
  return `mcp-auth:${resourceUrl}:`;
}
