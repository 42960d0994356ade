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
import { clientAddressOf } from '../transport/client-address.js';
import { LimitExceededException } from './limit-exceeded.exception.js';

/** Addresses remembered as over their budget; past this many, expired entries are swept on insert. */
const MAX_REMEMBERED_ADDRESSES = 10_000;

/**
 * The endpoint's rate limits, counted in a `@nestjs/throttler` storage (sliding window):
 * per principal after authentication, and per IP for failed authentications. An IP
 * over its budget is refused before any token work until its oldest failure ages out.
 */
@Injectable()
export class RateLimiter implements OnApplicationShutdown {
  private readonly logger = new Logger('McpAuth');
  private readonly storage?: ThrottlerStorage;
  private readonly ownStorage?: ThrottlerStorageService;
  /** IP → time (ms) until which it is refused. */
  private readonly blockedAddresses = new Map<string, number>();

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly audit: AuditTrail,
  ) {
    const { perPrincipal, unauthenticatedPerIp, storage } = options.rateLimit;
    if (!perPrincipal && !unauthenticatedPerIp) return;
    this.storage = storage ?? (this.ownStorage = new ThrottlerStorageService());
  }

  /** Before token work: refuses an address that used up its budget of failed authentications. */
  checkAddress(req: IncomingMessage): void {
    if (this.blockedAddresses.size === 0) return;
    const address = clientAddressOf(req);
    const until = this.blockedAddresses.get(address);
    if (until === undefined) return;
    const now = Date.now();
    if (until <= now) {
      this.blockedAddresses.delete(address);
      return;
    }
    this.audit.refusedRequest(req, 'rate_limited', 'rate_limit');
    throw new LimitExceededException(429, 'Too Many Requests: too many failed authentications from this address', (until - now) / 1000);
  }

  /** After a failed authentication: counts it against the caller's address. Never throws. */
  authenticationFailed(req: IncomingMessage): void {
    const window = this.options.rateLimit.unauthenticatedPerIp;
    if (!window || !this.storage) return;
    const address = clientAddressOf(req);
    this.storage.increment(`mcp-auth:ip:${address}`, window.ttlMs, window.limit, 0, 'mcp-auth-unauthenticated').then(
      (record) => {
        if (record.isBlocked) this.block(address, Date.now() + Math.max(1, record.timeToBlockExpire) * 1000);
      },
      (error: unknown) => this.logger.error(`Rate limit storage failed: ${(error as Error)?.message ?? String(error)}`),
    );
  }

  /** After authentication: counts the request against its principal; 429 with `Retry-After` beyond the limit. */
  async consume(req: IncomingMessage, principal: McpPrincipal): Promise<void> {
    const window = this.options.rateLimit.perPrincipal;
    if (!window || !this.storage) return;
    const key = `mcp-auth:principal:${principal.issuer}\u0000${principal.sub}\u0000${principal.clientId ?? ''}`;
    const record = await this.storage.increment(key, window.ttlMs, window.limit, 0, 'mcp-auth-principal');
    if (!record.isBlocked) return;
    this.audit.decided('rate_limit', 'denied', principal, { reason: 'rate_limited', ip: clientAddressOf(req) });
    throw new LimitExceededException(
      429,
      `Too Many Requests: at most ${window.limit} requests per ${window.ttlMs / 1000} s`,
      record.timeToBlockExpire,
    );
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
