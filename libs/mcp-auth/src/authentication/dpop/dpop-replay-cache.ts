import { Logger } from '@nestjs/common';
import { hash } from 'node:crypto';
import type { RedisConnection } from '../../redis/redis-connection.js';

/** Options of {@link DpopReplayCache}. */
export interface DpopReplayCacheOptions {
  /** How long a proof is remembered, in milliseconds: as long as it would be accepted. */
  readonly ttlMs: number;
  /** Most proofs remembered in this instance's memory at once. */
  readonly maxEntries: number;
  /** The clock, in milliseconds; tests inject their own. */
  readonly now?: () => number;
}

/**
 * The proofs seen within the acceptance window (RFC 9449 §11.1: each proof is accepted once).
 * A proof is known by the SHA-256 of its key's thumbprint and its `jti`, so one client cannot
 * use up another's identifiers, and the `jti` (caller text) is never stored as is.
 *
 * In memory, two generations of `ttlMs` each: a proof is remembered for at least `ttlMs`
 * and at most twice that, and forgetting costs nothing per request. When the young generation
 * holds half of `maxEntries`, the older one is dropped early (logged once): memory stays bounded, and a replay of a proof
 * forgotten that way could pass on this instance alone, which is why the bound should exceed
 * proofs per second × twice the window.
 *
 * With Redis, the fleet's record decides: `SET NX PX` in one round trip ({@link claimInFleet}),
 * or inside the rate limiter's round trip when both run ({@link sharedKey}), so a proof replayed
 * to another replica is refused too. While Redis is unreachable, each replica's memory decides.
 */
export class DpopReplayCache {
  private readonly logger = new Logger('McpAuth');
  private readonly now: () => number;
  private current = new Set<string>();
  private previous = new Set<string>();
  private rotatedAt: number;
  private evictionLogged = false;
  /** Each generation holds at most half the bound, so both together stay within it. */
  private readonly generationSize: number;

  constructor(
    private readonly options: DpopReplayCacheOptions,
    private readonly redis?: RedisConnection,
  ) {
    this.now = options.now ?? Date.now;
    this.rotatedAt = this.now();
    this.generationSize = Math.max(1, Math.floor(options.maxEntries / 2));
  }

  /** How long a proof is remembered, in milliseconds. */
  get ttlMs(): number {
    return this.options.ttlMs;
  }

  /** True when the fleet shares its record through Redis. */
  get shared(): boolean {
    return this.redis?.enabled === true;
  }

  /** The identifier a proof is remembered under: its key's thumbprint and its `jti`, hashed. */
  proofId(jkt: string, jti: string): string {
    return hash('sha256', `${jkt}\u0000${jti}`, 'base64url');
  }

  /** Remembers a proof in this instance's memory; false when it was seen here already. */
  firstSeenHere(id: string): boolean {
    this.age();
    if (this.current.has(id) || this.previous.has(id)) return false;
    if (this.current.size >= this.generationSize) this.forgetOlder();
    this.current.add(id);
    return true;
  }

  /** The Redis key of a proof (only with {@link shared}). */
  sharedKey(id: string): string {
    return this.redis!.key(`dpop-jti:${id}`);
  }

  /**
   * Claims a proof in Redis, one round trip: false when some replica had it already. True
   * when Redis cannot answer (the connection logs the outage): this instance's memory decided.
   */
  async claimInFleet(id: string): Promise<boolean> {
    if (!this.shared) return true;
    try {
      return (await this.redis!.client.set(this.sharedKey(id), '1', 'PX', this.options.ttlMs, 'NX')) === 'OK';
    } catch {
      return true;
    }
  }

  private age(): void {
    const elapsed = this.now() - this.rotatedAt;
    if (elapsed < this.options.ttlMs) return;
    this.previous = elapsed < 2 * this.options.ttlMs ? this.current : new Set();
    this.current = new Set();
    this.rotatedAt = this.now();
  }

  private forgetOlder(): void {
    if (!this.evictionLogged) {
      this.evictionLogged = true;
      this.logger.warn(
        `DPoP replay cache full (${this.options.maxEntries} proofs): forgetting older proofs early; raise dpop.replayCacheMaxEntries or configure redis`,
      );
    }
    this.previous = this.current;
    this.current = new Set();
    this.rotatedAt = this.now();
  }
}
