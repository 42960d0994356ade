import { Inject, Injectable } from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { tokenDigest } from '../authentication/token-digest.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { RedisConnection } from '../redis/redis-connection.js';

/** What every replica needs to serve a legacy session it did not open. */
export interface SharedSessionRecord {
  /** The owner key (issuer and subject) of the principal that opened it. */
  readonly owner: string;
  /** When it opened (ms since the epoch): `sessionMaxLifetimeMs` counts from here on every replica. */
  readonly createdAt: number;
  /**
   * The params of the `initialize` that opened it: protocol version, client capabilities and
   * client info, at most `MAX_INITIALIZE_PARAMS_BYTES` (refused before a session exists otherwise).
   */
  readonly initialize: unknown;
  /** The level its client set with `logging/setLevel`, once it set one: a replica that restores it logs at that level. */
  readonly logLevel?: string;
}

/** The outcome of recording a new session. */
export type SessionOpening = 'recorded' | 'over_subject_limit' | 'unavailable';

/**
 * Records a new session unless its owner has `max` sessions across the fleet already.
 * The owner's set lists its session ids; an id whose record expired (idle) or was ended is
 * dropped from it here, so the count is of live sessions only.
 * KEYS: record, owner's set. ARGV: record JSON, record TTL ms, max, record key prefix, id, set TTL ms.
 */
const OPEN_SCRIPT = `
local live = 0
for _, other in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if redis.call('EXISTS', ARGV[4] .. other) == 1 then live = live + 1 else redis.call('ZREM', KEYS[2], other) end
end
if live >= tonumber(ARGV[3]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], 0, ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return 1
`;

/**
 * Keeps a session alive in the fleet's record: 0 when it was ended (DELETE) on a replica,
 * else its TTL is renewed, and its record written again when Redis lost it (a restart
 * without persistence), so a live session survives a Redis outage. A record written again
 * is counted again in its owner's set, so the fleet-wide per-subject limit still counts it.
 * KEYS: record, tombstone, owner's set. ARGV: record JSON, TTL ms, id, set TTL ms.
 */
const TOUCH_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if redis.call('PEXPIRE', KEYS[1], ARGV[2]) == 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  redis.call('ZADD', KEYS[3], 0, ARGV[3])
  if redis.call('PTTL', KEYS[3]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[3], ARGV[4]) end
end
return 1
`;

/**
 * Ends a session for the whole fleet: its record goes, a tombstone stays as long as a
 * replica may still hold a copy (one idle timeout), and every replica is told at once.
 * KEYS: record, tombstone, owner's set. ARGV: id, tombstone TTL ms, channel.
 */
const END_SCRIPT = `
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('PUBLISH', ARGV[3], ARGV[1])
return 1
`;

interface WithSessionScripts {
  mcpAuthSessionOpen(
    record: string,
    owners: string,
    json: string,
    ttlMs: number,
    max: number,
    prefix: string,
    id: string,
    setTtlMs: number,
  ): Promise<number>;
  mcpAuthSessionTouch(
    record: string,
    tombstone: string,
    owners: string,
    json: string,
    ttlMs: number,
    id: string,
    setTtlMs: number,
  ): Promise<number>;
  mcpAuthSessionEnd(
    record: string,
    tombstone: string,
    owners: string,
    id: string,
    tombstoneTtlMs: number,
    channel: string,
  ): Promise<number>;
}

/** Our session ids are random UUIDs: anything else names no session, and is not looked up. */
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Legacy session ownership shared by the replicas through Redis (option `redis`): who
 * owns each session and how it was initialized, so that any replica serves a request on
 * it (or refuses another subject with the same 404), and a replica's restart loses no
 * session. `maxSessionsPerSubject` is counted across the fleet here; `maxSessions` stays
 * per instance (it bounds this process's memory). Without `redis`, {@link enabled} is false
 * and nothing here is called. Redis failing degrades to what one instance knows: new
 * sessions are served where they opened (the balancer's stickiness keeps them there).
 */
@Injectable()
export class SharedSessionStore implements OnModuleDestroy {
  private subscription?: Redis;

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly redis: RedisConnection,
  ) {
    if (!redis.enabled) return;
    const client = redis.client as Redis & Partial<WithSessionScripts>;
    if (!client.mcpAuthSessionOpen) {
      client.defineCommand('mcpAuthSessionOpen', { numberOfKeys: 2, lua: OPEN_SCRIPT });
      client.defineCommand('mcpAuthSessionTouch', { numberOfKeys: 3, lua: TOUCH_SCRIPT });
      client.defineCommand('mcpAuthSessionEnd', { numberOfKeys: 3, lua: END_SCRIPT });
    }
  }

  get enabled(): boolean {
    return this.redis.enabled;
  }

  /** Records a new session, refusing it when its owner has `maxSessionsPerSubject` across the fleet. */
  async open(id: string, record: SharedSessionRecord): Promise<SessionOpening> {
    try {
      const opened = await this.scripts.mcpAuthSessionOpen(
        this.recordKey(id),
        this.ownerKey(record.owner),
        JSON.stringify(record),
        this.ttlOf(record),
        this.options.maxSessionsPerSubject,
        this.redis.key('session:'),
        id,
        this.options.sessionMaxLifetimeMs,
      );
      return opened === 1 ? 'recorded' : 'over_subject_limit';
    } catch {
      // Served where it opened; the connection reports the outage once, not per session.
      return 'unavailable';
    }
  }

  /** The fleet's record of a session; undefined when unknown, ended, expired, or Redis is down. */
  async find(id: string): Promise<SharedSessionRecord | undefined> {
    if (!SESSION_ID.test(id)) return undefined;
    let text: string | null;
    try {
      text = await this.redis.client.get(this.recordKey(id));
    } catch {
      return undefined;
    }
    if (text === null) return undefined;
    try {
      const record = JSON.parse(text) as SharedSessionRecord;
      return typeof record.owner === 'string' && typeof record.createdAt === 'number' ? record : undefined;
    } catch {
      return undefined;
    }
  }

  /** Renews a live session's record (writing it again if Redis lost it): `ended` when a replica ended it or it outlived its maximum lifetime. */
  async touch(id: string, record: SharedSessionRecord): Promise<'live' | 'ended' | 'unavailable'> {
    const ttl = this.ttlOf(record);
    if (ttl <= 0) return 'ended';
    try {
      const live = await this.scripts.mcpAuthSessionTouch(
        this.recordKey(id),
        this.tombstoneKey(id),
        this.ownerKey(record.owner),
        JSON.stringify(record),
        ttl,
        id,
        this.options.sessionMaxLifetimeMs,
      );
      return live === 1 ? 'live' : 'ended';
    } catch {
      return 'unavailable';
    }
  }

  /**
   * Writes a live session's changed record (its log level) where it is: nothing when Redis no
   * longer has it (ended, expired or lost; the next renewal writes it again, changed) or is down.
   */
  async update(id: string, record: SharedSessionRecord): Promise<void> {
    const ttl = this.ttlOf(record);
    if (ttl <= 0) return;
    try {
      await this.redis.client.set(this.recordKey(id), JSON.stringify(record), 'PX', ttl, 'XX');
    } catch {
      // The record stands as it was; this instance's copy of the session has the new level.
    }
  }

  /** Ends a session on every replica (DELETE). */
  async end(id: string, owner: string): Promise<void> {
    try {
      await this.scripts.mcpAuthSessionEnd(
        this.recordKey(id),
        this.tombstoneKey(id),
        this.ownerKey(owner),
        id,
        Math.min(this.options.sessionIdleTimeoutMs, this.options.sessionMaxLifetimeMs),
        this.channel,
      );
    } catch {
      // Ended here; other replicas' copies go idle, and the record expires after one idle timeout.
    }
  }

  /** Calls `listener` with the id of each session a replica ends. */
  onEnded(listener: (id: string) => void): void {
    if (!this.enabled || this.subscription) return;
    this.subscription = this.redis.subscriber();
    this.subscription.on('message', (channel: string, id: string) => {
      if (channel === this.channel) listener(id);
    });
    // Commands fail fast while the connection is down (no offline queue): subscribe each time it is ready.
    this.subscription.on('ready', () => void this.subscription?.subscribe(this.channel).catch(() => undefined));
  }

  onModuleDestroy(): void {
    this.subscription?.disconnect();
  }

  /** A record lives one idle timeout past its last use, never past the session's maximum lifetime. */
  private ttlOf(record: SharedSessionRecord): number {
    return Math.min(this.options.sessionIdleTimeoutMs, record.createdAt + this.options.sessionMaxLifetimeMs - Date.now());
  }

  private get scripts(): WithSessionScripts {
    return this.redis.client as unknown as WithSessionScripts;
  }

  private get channel(): string {
    return this.redis.key('sessions-ended');
  }

  private recordKey(id: string): string {
    return this.redis.key(`session:${id}`);
  }

  private tombstoneKey(id: string): string {
    return this.redis.key(`session-ended:${id}`);
  }

  private ownerKey(owner: string): string {
    return this.redis.key(`sessions-of:${tokenDigest(owner)}`);
  }
}
