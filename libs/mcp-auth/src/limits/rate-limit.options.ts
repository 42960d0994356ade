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
   */
  storage?: ThrottlerStorage;
}
