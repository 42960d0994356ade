import type { McpPrincipal } from '../principal.js';
import { RecentlyUsedMap } from '../recently-used-map.js';
import { tokenDigest } from '../token-digest.js';
import { TokenRejection } from '../token-rejection.js';

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
 * is never remembered. At most `maxEntries` accepted and `maxEntries` refused tokens are
 * kept, the least recently used making room, each kind in its own table: a flood of junk
 * tokens (each refused once) only pushes out other refusals, never a live token's result,
 * so it cannot flush the cache and send every real client back to the identity provider.
 */
export class IntrospectionCache {
  private readonly accepted: RecentlyUsedMap<string, Entry>;
  private readonly refused: RecentlyUsedMap<string, Entry>;

  constructor(
    private readonly maxSeconds: number,
    maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {
    this.accepted = new RecentlyUsedMap(maxEntries);
    this.refused = new RecentlyUsedMap(maxEntries);
  }

  get(token: string): McpPrincipal | TokenRejection | undefined {
    if (this.maxSeconds <= 0) return undefined;
    const key = tokenDigest(token);
    return this.live(this.accepted, key) ?? this.live(this.refused, key);
  }

  /**
   * Remembers an accepted token, for `atMostMs` at most (what another replica's entry has
   * left); returns for how many milliseconds, 0 when not at all.
   */
  set(token: string, principal: McpPrincipal, atMostMs = Infinity): number {
    const expiresAt = principal.expiresAt !== undefined ? principal.expiresAt * 1000 : Infinity;
    return this.remember(token, principal, Math.min(this.maxSeconds * 1000, expiresAt - this.now(), atMostMs));
  }

  /** Remembers the identity provider's refusal of a token, like {@link set}. */
  setRefusal(token: string, rejection: TokenRejection, atMostMs = Infinity): number {
    return this.remember(token, rejection, Math.min(Math.min(this.maxSeconds, REFUSAL_CACHE_SECONDS) * 1000, atMostMs));
  }

  get size(): number {
    return this.accepted.size + this.refused.size;
  }

  private live(table: RecentlyUsedMap<string, Entry>, key: string): McpPrincipal | TokenRejection | undefined {
    const entry = table.get(key);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      table.delete(key);
      return undefined;
    }
    return entry.verdict;
  }

  private remember(token: string, verdict: McpPrincipal | TokenRejection, forMs: number): number {
    if (this.maxSeconds <= 0 || forMs <= 0) return 0;
    const table = verdict instanceof TokenRejection ? this.refused : this.accepted;
    table.set(tokenDigest(token), { verdict, until: this.now() + forMs });
    return forMs;
  }
}
