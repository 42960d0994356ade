import type { RedisConnection } from '../../redis/redis-connection.js';
import { tokenDigest } from '../token-digest.js';
import type { IntrospectionResponse } from './introspection-client.js';

/** The identity provider's answer about a token as a replica stored it, and until when (ms since the epoch) it may be reused. */
export interface SharedAnswer {
  readonly answer: IntrospectionResponse;
  readonly until: number;
}

/**
 * The introspection answers of one introspection endpoint, shared by the replicas through
 * Redis, so that the fleet asks the identity provider once per token, not once per
 * replica. Consulted after the replica's own {@link IntrospectionCache} and before the
 * identity provider. What is stored is the identity provider's answer, never a verdict:
 * whoever reads it holds it to its own rules (issuer, audience, expiry, claims), so a server
 * never accepts a token because another server sharing the Redis accepted it, nor refuses
 * one because another refused it. Keys are `<keyPrefix>introspection:<endpoint digest>:<token digest>`
 * (the SHA-256 of the token, never the token) and expire when the entry would expire
 * locally: at the token's `exp` or the configured maximum, refusals after 10 s at most.
 * Redis failing is never an error here: the replica falls back to its own cache (the
 * connection logs the outage once).
 */
export class SharedIntrospectionCache {
  private readonly scope: string;

  constructor(
    private readonly redis: RedisConnection,
    endpoint: string,
    private readonly now: () => number = Date.now,
  ) {
    this.scope = redis.key(`introspection:${tokenDigest(endpoint)}:`);
  }

  /** The answer another replica stored for this token, if any and still reusable; undefined also when Redis is down. */
  async get(token: string): Promise<SharedAnswer | undefined> {
    let text: string | null;
    try {
      text = await this.redis.client.get(this.scope + tokenDigest(token));
    } catch {
      return undefined;
    }
    if (text === null) return undefined;
    let stored: Partial<SharedAnswer>;
    try {
      stored = JSON.parse(text) as Partial<SharedAnswer>;
    } catch {
      return undefined;
    }
    const { answer, until } = stored;
    if (typeof until !== 'number' || until <= this.now()) return undefined;
    if (typeof answer !== 'object' || answer === null || Array.isArray(answer) || typeof answer.active !== 'boolean') return undefined;
    return { answer, until };
  }

  /** Stores the identity provider's answer for `forMs` milliseconds, without waiting; nothing happens when Redis is down. */
  remember(token: string, answer: IntrospectionResponse, forMs: number): void {
    if (forMs <= 0) return;
    const stored: SharedAnswer = { answer, until: this.now() + forMs };
    this.redis.client.set(this.scope + tokenDigest(token), JSON.stringify(stored), 'PX', Math.ceil(forMs)).catch(() => undefined);
  }
}
