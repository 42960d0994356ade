import type { RedisConnection } from '../../redis/redis-connection.js';
import type { McpPrincipal } from '../principal.js';
import { tokenDigest } from '../token-digest.js';
import { TokenRejection } from '../token-rejection.js';
import type { TokenRejectionCode } from '../token-rejection.js';

/** A verdict as another replica stored it, and until when (ms since the epoch) it holds. */
export interface SharedVerdict {
  readonly verdict: McpPrincipal | TokenRejection;
  readonly until: number;
}

/** What is stored: an accepted token's principal, or a refusal's code and description. */
interface StoredVerdict {
  readonly principal?: McpPrincipal;
  readonly refusal?: { code: TokenRejectionCode; description: string };
  readonly until: number;
}

/**
 * The introspection verdicts of one introspection endpoint, shared by the replicas through
 * Redis, so that the fleet asks the identity provider once per token, not once per
 * replica. Consulted after the replica's own {@link IntrospectionCache} and before the
 * identity provider. Keys are `<keyPrefix>introspection:<endpoint digest>:<token digest>`
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

  /** The verdict another replica stored for this token, if any and still valid; undefined also when Redis is down. */
  async get(token: string): Promise<SharedVerdict | undefined> {
    let text: string | null;
    try {
      text = await this.redis.client.get(this.scope + tokenDigest(token));
    } catch {
      return undefined;
    }
    if (text === null) return undefined;
    let stored: StoredVerdict;
    try {
      stored = JSON.parse(text) as StoredVerdict;
    } catch {
      return undefined;
    }
    if (typeof stored.until !== 'number' || stored.until <= this.now()) return undefined;
    if (stored.refusal) return { verdict: new TokenRejection(stored.refusal.code, stored.refusal.description), until: stored.until };
    return stored.principal ? { verdict: stored.principal, until: stored.until } : undefined;
  }

  /** Stores a verdict for `forMs` milliseconds, without waiting; nothing happens when Redis is down. */
  remember(token: string, verdict: McpPrincipal | TokenRejection, forMs: number): void {
    if (forMs <= 0) return;
    const until = this.now() + forMs;
    const stored: StoredVerdict =
      verdict instanceof TokenRejection
        ? { refusal: { code: verdict.code, description: verdict.description }, until }
        : { principal: verdict, until };
    this.redis.client.set(this.scope + tokenDigest(token), JSON.stringify(stored), 'PX', Math.ceil(forMs)).catch(() => undefined);
  }
}
