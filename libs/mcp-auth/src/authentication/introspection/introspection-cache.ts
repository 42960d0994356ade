import type { McpPrincipal } from '../principal.js';
import { RecentlyUsedMap } from '../recently-used-map.js';
import { tokenDigest } from '../token-digest.js';
import type { TokenRejection } from '../token-rejection.js';

/** How long a refusal from the introspection endpoint is remembered, at most, in seconds. */
export const REFUSAL_CACHE_SECONDS = 10;

interface Entry {
  readonly verdict: McpPrincipal | TokenRejection;
  readonly until: number;
}

/**
 * Remembers introspection results, keyed by the token's SHA-256 (the token itself is
 * never kept). An accepted token lives until its `exp` or `maxSeconds`, whichever comes
 * first; a refused one (inactive, revoked, another audience...) for
 * {@link REFUSAL_CACHE_SECONDS} at most, so a client retrying a dead token, or a flood of
 * the same one, does not reach the identity provider each time. An unreachable endpoint
 * is never remembered. At most `maxEntries` are kept, the least recently used making room.
 */
export class IntrospectionCache {
  private readonly entries: RecentlyUsedMap<string, Entry>;

  constructor(
    private readonly maxSeconds: number,
    maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {
    this.entries = new RecentlyUsedMap(maxEntries);
  }

  get(token: string): McpPrincipal | TokenRejection | undefined {
    if (this.maxSeconds <= 0) return undefined;
    const key = tokenDigest(token);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.verdict;
  }

  /** Remembers an accepted token. */
  set(token: string, principal: McpPrincipal): void {
    const expiresAt = principal.expiresAt !== undefined ? principal.expiresAt * 1000 : Infinity;
    this.remember(token, principal, Math.min(this.maxSeconds * 1000, expiresAt - this.now()));
  }

  /** Remembers the identity provider's refusal of a token. */
  setRefusal(token: string, rejection: TokenRejection): void {
    this.remember(token, rejection, Math.min(this.maxSeconds, REFUSAL_CACHE_SECONDS) * 1000);
  }

  get size(): number {
    return this.entries.size;
  }

  private remember(token: string, verdict: McpPrincipal | TokenRejection, forMs: number): void {
    if (this.maxSeconds <= 0 || forMs <= 0) return;
    this.entries.set(tokenDigest(token), { verdict, until: this.now() + forMs });
  }
}
