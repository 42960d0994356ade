import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
// The storage alone, not the package index: the index also loads ThrottlerGuard and with it @nestjs/core,
// which this module does not need.
import { ThrottlerStorageService } from '@nestjs/throttler/dist/throttler.service.js';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { IncomingMessage } from 'node:http';
import { AuditTrail } from '../audit/audit-trail.js';
import type { McpPrincipal } from '../authentication/principal.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { RedisThrottlerStorage } from '../redis/redis-throttler.storage.js';
import { clientAddressOf } from '../transport/client-address.js';
import { HeldCounts } from './held-counts.js';
import { takeReplayClaim } from './replay-claim.js';
import type { ReplayClaim } from './replay-claim.js';
import { LimitExceededException } from './limit-exceeded.exception.js';
import type { RateLimitWindow } from './rate-limit.options.js';

/** Addresses remembered as over their budget; past this many, expired entries are swept on insert. */
const MAX_REMEMBERED_ADDRESSES = 10_000;

const NOTHING_TO_RELEASE: AuthenticationSlot = () => undefined;

type StorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** A release function for an admitted authentication: call it once the token work is over. */
export type AuthenticationSlot = () => void;

/** Failures of one address as this instance last knew them: its own count, reconciled with the storage's. */
interface KnownFailures {
  hits: number;
  resetAt: number;
}

/**
 * The endpoint's rate limits, counted in a `@nestjs/throttler` storage (sliding window):
 * per principal after authentication, and per IP for failed authentications. An IP
 * over its budget is refused before any token work until its oldest failure ages out.
 *
 * Requests without a credential cost no token work and spend no budget (a web page can
 * make a browser send those to a local server at will). The budget bounds the identity
 * provider's load under concurrency too: an address may have at most its remaining budget
 * of authentications in flight at once ({@link admitAuthentication}), so 200 parallel bad
 * tokens cause at most `limit` introspection calls, not 200.
 */
@Injectable()
export class RateLimiter implements OnApplicationShutdown {
  private readonly logger = new Logger('McpAuth');
  private readonly storage?: ThrottlerStorage;
  /** This instance's memory: the storage without a shared one, the fallback while a shared one fails (`onStoreError: 'local'`). */
  private readonly ownStorage?: ThrottlerStorageService;
  /** True from a shared storage's first failure until it answers again: the outage is logged once, not per request. */
  private storeFailing = false;
  /** IP → time (ms) until which it is refused. */
  private readonly blockedAddresses = new Map<string, number>();
  /** IP → authentications doing token work right now. */
  private readonly inFlight = new HeldCounts();
  /** IP → failures in the current window, counted here at once (the shared storage answers later). */
  private readonly failures = new Map<string, KnownFailures>();

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly audit: AuditTrail,
    redis: RedisConnection,
  ) {
    const { perPrincipal, unauthenticatedPerIp, storage } = options.rateLimit;
    if (!perPrincipal && !unauthenticatedPerIp) return;
    this.ownStorage = new ThrottlerStorageService();
    this.storage = storage ?? (redis.enabled ? new RedisThrottlerStorage(redis.client, (name) => redis.key(name)) : this.ownStorage);
  }

  /** Before token work: refuses an address that used up its budget of failed authentications. */
  checkAddress(req: IncomingMessage): void {
    if (this.blockedAddresses.size === 0 && this.failures.size === 0) return;
    const address = clientAddressOf(req);
    const now = Date.now();
    let until = this.blockedAddresses.get(address);
    if (until !== undefined && until <= now) {
      this.blockedAddresses.delete(address);
      until = undefined;
    }
    // The budget used up here already, before the shared storage answered.
    const known = this.failures.get(address);
    const window = this.options.rateLimit.unauthenticatedPerIp;
    if (until === undefined && known && window && known.resetAt > now && known.hits >= window.limit) until = known.resetAt;
    if (until === undefined) return;
    this.audit.refusedRequest(req, 'rate_limited', 'rate_limit');
    throw new LimitExceededException(429, 'Too Many Requests: too many failed authentications from this address', (until - now) / 1000);
  }

  /**
   * Before token work on a credential: admits it while the address's failures so far plus
   * its authentications in flight stay under the limit, else 429. Returns the slot to
   * release when the work is over (success or failure).
   */
  admitAuthentication(req: IncomingMessage): AuthenticationSlot {
    const window = this.options.rateLimit.unauthenticatedPerIp;
    if (!window) return NOTHING_TO_RELEASE;
    const address = clientAddressOf(req);
    if (this.inFlight.of(address) + this.failuresOf(address) >= window.limit) {
      this.audit.refusedRequest(req, 'rate_limited', 'rate_limit');
      throw new LimitExceededException(429, 'Too Many Requests: too many authentications from this address at once', 1);
    }
    return this.inFlight.take(address);
  }

  /**
   * After a credential failed authentication: counts it against the caller's address.
   * Never called for a request without a credential. Never throws.
   */
  authenticationFailed(req: IncomingMessage): void {
    const window = this.options.rateLimit.unauthenticatedPerIp;
    if (!window || !this.storage) return;
    const address = clientAddressOf(req);
    this.countFailure(address, window.ttlMs);
    this.increment(`mcp-auth:ip:${address}`, window, 'mcp-auth-unauthenticated').then(
      (record) => {
        if (!record) return;
        const known = this.failures.get(address);
        // Other instances sharing the storage count too: take the larger of the two.
        if (known && record.totalHits > known.hits) known.hits = record.totalHits;
        if (record.isBlocked) this.block(address, Date.now() + Math.max(1, record.timeToBlockExpire) * 1000);
      },
      // Refused while the storage is down (onStoreError 'deny'): this request is answered already.
      () => undefined,
    );
  }

  /**
   * True when the per-principal limit counts in Redis through this module's own storage: a
   * DPoP proof's replay claim ({@link ReplayClaim}) then rides in the same round trip.
   */
  get carriesReplayClaims(): boolean {
    return this.options.rateLimit.perPrincipal !== undefined && this.storage instanceof RedisThrottlerStorage;
  }

  /**
   * After authentication: counts the request against its principal; 429 with `Retry-After` beyond
   * the limit. A replay claim the guard left on the request is made in the same round trip: a proof
   * seen before is refused with the claim's own refusal, and not counted.
   */
  async consume(req: IncomingMessage, principal: McpPrincipal): Promise<void> {
    const window = this.options.rateLimit.perPrincipal;
    const claim = takeReplayClaim(req);
    if (!window || !this.storage) return;
    const key = `mcp-auth:principal:${principal.issuer}\u0000${principal.sub}\u0000${principal.clientId ?? ''}`;
    const record = await this.increment(key, window, 'mcp-auth-principal', claim);
    if (record?.alreadyClaimed) throw claim!.refusal();
    if (!record?.isBlocked) return;
    this.audit.decided('rate_limit', 'denied', principal, { reason: 'rate_limited', ip: clientAddressOf(req) });
    throw new LimitExceededException(
      429,
      `Too Many Requests: at most ${window.limit} requests per ${window.ttlMs / 1000} s`,
      record.timeToBlockExpire,
    );
  }

  /**
   * One hit in the storage (with the replay claim, when there is one and the storage is Redis).
   * While a shared storage fails, `rateLimit.onStoreError` decides (a claim then goes unmade:
   * this instance's own replay memory decided):
   * count here (`local`), admit uncounted (`allow`, undefined) or refuse with 503 (`deny`).
   */
  private async increment(
    key: string,
    window: RateLimitWindow,
    throttler: string,
    claim?: ReplayClaim,
  ): Promise<(StorageRecord & { alreadyClaimed?: boolean }) | undefined> {
    const storage = this.storage!;
    if (storage === this.ownStorage) return storage.increment(key, window.ttlMs, window.limit, 0, throttler);
    let record: StorageRecord & { alreadyClaimed?: boolean };
    try {
      record =
        claim && storage instanceof RedisThrottlerStorage
          ? await storage.increment(key, window.ttlMs, window.limit, 0, throttler, claim)
          : await storage.increment(key, window.ttlMs, window.limit, 0, throttler);
    } catch (error) {
      const policy = this.options.rateLimit.onStoreError;
      if (!this.storeFailing) {
        this.storeFailing = true;
        const effect = { local: 'counting in this instance alone', allow: 'admitting without counting', deny: 'refusing with 503' }[policy];
        this.logger.warn(`Rate limit storage failed (${(error as Error)?.message ?? String(error)}); ${effect} until it answers again`);
      }
      if (policy === 'local') return this.ownStorage!.increment(key, window.ttlMs, window.limit, 0, throttler);
      if (policy === 'allow') return undefined;
      throw new LimitExceededException(503, 'Service Unavailable: the rate limit store is unreachable', 1);
    }
    if (this.storeFailing) {
      this.storeFailing = false;
      this.logger.log('Rate limit storage answers again; counting there');
    }
    return record;
  }

  private failuresOf(address: string): number {
    const known = this.failures.get(address);
    if (!known) return 0;
    if (known.resetAt <= Date.now()) {
      this.failures.delete(address);
      return 0;
    }
    return known.hits;
  }

  private countFailure(address: string, ttlMs: number): void {
    const now = Date.now();
    const known = this.failures.get(address);
    if (known && known.resetAt > now) {
      known.hits++;
      return;
    }
    if (this.failures.size >= MAX_REMEMBERED_ADDRESSES) {
      for (const [other, entry] of this.failures) if (entry.resetAt <= now) this.failures.delete(other);
    }
    // Past the bound (a flood of addresses), the storage's block still applies; only the early count is skipped.
    if (this.failures.size < MAX_REMEMBERED_ADDRESSES) this.failures.set(address, { hits: 1, resetAt: now + ttlMs });
  }

  private block(address: string, until: number): void {
    if (this.blockedAddresses.size >= MAX_REMEMBERED_ADDRESSES) {
      const now = Date.now();
      for (const [known, expiry] of this.blockedAddresses) if (expiry <= now) this.blockedAddresses.delete(known);
    }
    if (this.blockedAddresses.size < MAX_REMEMBERED_ADDRESSES) this.blockedAddresses.set(address, until);
  }

  onApplicationShutdown(): void {
    this.ownStorage?.onApplicationShutdown();
  }
}
