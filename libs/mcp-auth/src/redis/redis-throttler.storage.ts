import type { ThrottlerStorage } from '@nestjs/throttler';
import type { IoRedisClient } from './redis-client.js';

/**
 * One hit, counted and judged in one round trip, with Redis's own clock (replicas'
 * clocks may differ). The window slides like `ThrottlerStorageService`'s: each hit is a
 * member of a sorted set scored by its expiry; a refused hit is not counted.
 * KEYS: hits, block[, claim]. ARGV: ttl ms, limit, block duration ms, hit id[, claim ttl ms].
 * Returns { total hits, ms to expire, blocked 0/1, ms to block expire }; with a claim key
 * that exists already (a DPoP proof used before), { 0, 0, 0, 0, 1 } and nothing is counted.
 */
const INCREMENT_SCRIPT = `
if KEYS[3] and not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[5]) then
  return { 0, 0, 0, 0, 1 }
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local blockFor = tonumber(ARGV[3])
local blocked = redis.call('PTTL', KEYS[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local hits = redis.call('ZCARD', KEYS[1])
if blocked > 0 then
  return { hits + 1, ttl, 1, blocked }
end
if hits >= limit then
  local wait
  if blockFor > 0 then
    redis.call('SET', KEYS[2], '1', 'PX', blockFor)
    wait = blockFor
  else
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    wait = tonumber(oldest[2]) - now
  end
  return { hits + 1, ttl, 1, wait }
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[4])
redis.call('PEXPIRE', KEYS[1], ttl)
return { hits + 1, ttl, 0, 0 }
`;

type IncrementReply = [number, number, number, number, number?];
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** A one-time key claimed in the same round trip as the hit (see {@link RedisThrottlerStorage.increment}). */
export interface ThrottlerClaim {
  readonly key: string;
  readonly ttlMs: number;
}

interface WithIncrement {
  mcpAuthThrottlerIncrement(
    hits: string,
    block: string,
    ttlMs: number,
    limit: number,
    blockMs: number,
    hit: string,
  ): Promise<IncrementReply>;
  mcpAuthThrottlerIncrementClaiming(
    hits: string,
    block: string,
    claim: string,
    ttlMs: number,
    limit: number,
    blockMs: number,
    hit: string,
    claimTtlMs: number,
  ): Promise<IncrementReply>;
}

/**
 * `@nestjs/throttler`'s storage in Redis, so that replicas behind a load balancer count
 * one budget: a limit of N per minute allows N across the fleet, not N per replica.
 * Each `increment` is one Lua script, one round trip (`EVALSHA`, `EVAL` once when Redis
 * lost the script). Keys are `<keyPrefix>throttle:<throttler>:<key>` and expire with their window.
 *
 * Written here rather than taken from `@nest-lab/throttler-storage-redis`, whose peer
 * dependencies stop at Nest 11 (this workspace runs Nest 12), so it cannot be installed beside it.
 *
 * @example
 * ```ts
 * McpAuthModule.forRoot({ ..., redis: { url: process.env.MCP_REDIS_URL }, rateLimit: { perPrincipal: { limit: 100, ttlMs: 60_000 } } })
 * // the module uses this storage by itself when `redis` is set and `rateLimit.storage` is not
 * ```
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private sequence = 0;
  private readonly instance = Math.random().toString(36).slice(2, 10);

  private readonly client: WithIncrement;

  /** `client`: an `ioredis` client (typed without `ioredis`: {@link IoRedisClient}); `key`: the full name of a key. */
  constructor(
    client: IoRedisClient,
    private readonly key: (name: string) => string,
  ) {
    if (!(client as Partial<WithIncrement>).mcpAuthThrottlerIncrement) {
      client.defineCommand('mcpAuthThrottlerIncrement', { numberOfKeys: 2, lua: INCREMENT_SCRIPT });
      client.defineCommand('mcpAuthThrottlerIncrementClaiming', { numberOfKeys: 3, lua: INCREMENT_SCRIPT });
    }
    this.client = client as IoRedisClient & WithIncrement;
  }

  /**
   * `ThrottlerStorage.increment`; with `claim`, also claims that key (`SET NX PX`) in the same
   * script, first: when it exists already, nothing is counted and `alreadyClaimed` is true.
   */
  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
    claim?: ThrottlerClaim,
  ): Promise<ThrottlerStorageRecord & { alreadyClaimed?: boolean }> {
    const hits = this.key(`throttle:${throttlerName}:${key}`);
    // Unique per hit across replicas: this storage's random tag and its own counter.
    const hit = `${this.instance}:${(this.sequence = (this.sequence + 1) % Number.MAX_SAFE_INTEGER)}`;
    const [totalHits, ttlMs, blocked, blockMs, claimedBefore] = claim
      ? await this.client.mcpAuthThrottlerIncrementClaiming(hits, `${hits}:block`, claim.key, ttl, limit, blockDuration, hit, claim.ttlMs)
      : await this.client.mcpAuthThrottlerIncrement(hits, `${hits}:block`, ttl, limit, blockDuration, hit);
    if (claimedBefore === 1) return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0, alreadyClaimed: true };
    return {
      totalHits,
      timeToExpire: Math.ceil(ttlMs / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: blocked === 1 ? Math.max(1, Math.ceil(blockMs / 1000)) : 0,
    };
  }
}
