import { Logger } from '@nestjs/common';
import type { RedisConnection } from '../redis/redis-connection.js';

/** Options of {@link UsedOnceRecord}. */
export interface UsedOnceRecordOptions {
  /** How long an identifier is remembered, in milliseconds: as long as what it names would be accepted. */
  readonly ttlMs: number;
  /** Most identifiers remembered in this instance's memory at once. */
  readonly maxEntries: number;
  /** The Redis key namespace (under the module's key prefix), e.g. `dpop-jti`. */
  readonly namespace: string;
  /** Logged once when the memory fills before the window ends: which option to raise. */
  readonly fullWarning: string;
  /** The clock, in milliseconds; tests inject their own. */
  readonly now?: () => number;
}

/**
 * Identifiers accepted once within a window: a DPoP proof's (RFC 9449 §11.1), an answered
 * round's `requestState`. Callers hash what they record, so no caller text is stored as is.
 *
 * In memory, two generations of `ttlMs` each: an identifier is remembered for at least `ttlMs`
 * and at most twice that, and forgetting costs nothing per request. When the young generation
 * holds half of `maxEntries`, the older one is dropped early (logged once): memory stays
 * bounded, and a replay of an identifier forgotten that way could pass on this instance alone,
 * which is why the bound should exceed uses per second × twice the window.
 *
 * With Redis, the fleet's record decides: `SET NX PX` in one round trip ({@link claimInFleet}),
 * or inside another script's round trip ({@link sharedKey}), so a replay sent to another
 * replica is refused too. While Redis is unreachable, each replica's memory decides.
 */
export class UsedOnceRecord {
  private readonly logger = new Logger('McpAuth');
  private readonly now: () => number;
  private current = new Set<string>();
  private previous = new Set<string>();
  private rotatedAt: number;
  private evictionLogged = false;
  /** Each generation holds at most half the bound, so both together stay within it. */
  private readonly generationSize: number;

  constructor(
    private readonly record: UsedOnceRecordOptions,
    private readonly redis?: RedisConnection,
  ) {
    this.now = record.now ?? Date.now;
    this.rotatedAt = this.now();
    this.generationSize = Math.max(1, Math.floor(record.maxEntries / 2));
  }

  /** How long an identifier is remembered, in milliseconds. */
  get ttlMs(): number {
    return this.record.ttlMs;
  }

  /** True when the fleet shares its record through Redis. */
  get shared(): boolean {
    return this.redis?.enabled === true;
  }

  /** Remembers an identifier in this instance's memory; false when it was seen here already. */
  firstSeenHere(id: string): boolean {
    this.age();
    if (this.current.has(id) || this.previous.has(id)) return false;
    if (this.current.size >= this.generationSize) this.forgetOlder();
    this.current.add(id);
    return true;
  }

  /** The Redis key of an identifier (only with {@link shared}). */
  sharedKey(id: string): string {
    return this.redis!.key(`${this.record.namespace}:${id}`);
  }

  /**
   * Claims an identifier in Redis, one round trip: false when some replica had it already. True
   * without Redis, or when Redis cannot answer (the connection logs the outage): this instance's
   * memory decided.
   */
  async claimInFleet(id: string): Promise<boolean> {
    if (!this.shared) return true;
    try {
      return (await this.redis!.client.set(this.sharedKey(id), '1', 'PX', this.record.ttlMs, 'NX')) === 'OK';
    } catch {
      return true;
    }
  }

  /** Both checks, this instance's memory first: false when the identifier was used here or anywhere in the fleet. */
  async firstUse(id: string): Promise<boolean> {
    return this.firstSeenHere(id) && (await this.claimInFleet(id));
  }

  private age(): void {
    const elapsed = this.now() - this.rotatedAt;
    if (elapsed < this.record.ttlMs) return;
    this.previous = elapsed < 2 * this.record.ttlMs ? this.current : new Set();
    this.current = new Set();
    this.rotatedAt = this.now();
  }

  private forgetOlder(): void {
    if (!this.evictionLogged) {
      this.evictionLogged = true;
      this.logger.warn(this.record.fullWarning);
    }
    this.previous = this.current;
    this.current = new Set();
    this.rotatedAt = this.now();
  }
}
