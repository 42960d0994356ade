import type { ThrottlerStorage } from '@nestjs/throttler';

/** At most `limit` requests per `ttlMs` milliseconds. */
export interface RateLimitWindow {
  limit: number;
  ttlMs: number;
}

/** Rate limits of the MCP endpoint, built on `@nestjs/throttler`'s storage. Each is off unless given. */
export interface McpRateLimitOptions {
  /** Requests per principal (issuer + subject + client id) per window; beyond it 429 with `Retry-After`. */
  perPrincipal?: RateLimitWindow;
  /**
   * Credentials that fail authentication (refused tokens and API keys) per client IP per
   * window. Beyond it, every request from that IP gets 429 before any token work until the
   * window passes. Requests without a credential (or with a malformed `Authorization` header)
   * cost no token work and are not counted. It also bounds concurrency: an address may have
   * at most its remaining budget of authentications in flight at once (more get 429 with
   * `Retry-After: 1`), so the identity provider never sees more than `limit` checks from it.
   */
  unauthenticatedPerIp?: RateLimitWindow;
  /**
   * Where counts are kept. Default: `@nestjs/throttler`'s in-memory `ThrottlerStorageService`.
   * Pass a shared `ThrottlerStorage` (e.g. Redis-backed) when several instances serve one endpoint.
   * With the module's `redis` option and no storage given, counts are kept in that Redis
   * (`RedisThrottlerStorage`), so the limits hold across replicas.
   */
  storage?: ThrottlerStorage;
  /**
   * What happens while the storage fails (Redis down): `'local'` (default) counts in this
   * instance's memory until the storage answers again, so each replica enforces the limit on
   * its own (N × replicas across the fleet); `'allow'` admits without counting (fail open);
   * `'deny'` answers 503 with `Retry-After: 1` (fail closed). Logged once per outage.
   */
  onStoreError?: RateLimitStoreErrorPolicy;
}

/** See {@link McpRateLimitOptions.onStoreError}. */
export type RateLimitStoreErrorPolicy = 'local' | 'allow' | 'deny';
