import { createHash } from 'node:crypto';
import type { McpPrincipal } from '../principal.js';
import { RecentlyUsedMap } from '../recently-used-map.js';

interface Entry {
  readonly principal: McpPrincipal;
  readonly until: number;
}

/**
 * Remembers active introspection results, keyed by the token's SHA-256 (the token
 * itself is never kept). An entry lives until the token's `exp` or `maxSeconds`,
 * whichever comes first; at most `maxEntries` are kept, the least recently used making room.
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

  get(token: string): McpPrincipal | undefined {
    if (this.maxSeconds <= 0) return undefined;
    const key = keyOf(token);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.principal;
  }

  set(token: string, principal: McpPrincipal): void {
    if (this.maxSeconds <= 0) return;
    const now = this.now();
    const until = Math.min(now + this.maxSeconds * 1000, principal.expiresAt !== undefined ? principal.expiresAt * 1000 : Infinity);
    if (until <= now) return;
    const key = keyOf(token);
    this.entries.set(key, { principal, until });
  }

  get size(): number {
    return this.entries.size;
  }
}

function keyOf(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}
