import type { JwtKeyHeader } from '../jwt-header.js';
import { RecentlyUsedMap } from '../recently-used-map.js';
import { tokenDigest } from '../token-digest.js';
import type { JwtClaims } from '../principal.js';
import type { JwksKeyStore } from './jwks-key-store.js';

/** Options of {@link VerifiedTokenCache}. */
export interface VerifiedTokenCacheOptions {
  /** At most this many tokens are remembered; the least recently used go first. */
  readonly maxEntries: number;
  /** The same leeway the verifier gives `exp` and `nbf`, in seconds. */
  readonly clockToleranceSeconds: number;
  /** The clock, in milliseconds; tests inject their own. */
  readonly now?: () => number;
}

/** What a verification established about one token. */
export interface VerifiedToken<T> {
  /** What to answer on a hit (the principal). Frozen when remembered. */
  readonly value: T;
  readonly header: JwtKeyHeader;
  readonly claims: JwtClaims;
  /** The key store whose key verified the signature. */
  readonly keys: JwksKeyStore;
}

interface Entry<T> {
  readonly value: T;
  readonly kid: string | undefined;
  readonly alg: string;
  readonly exp: number;
  readonly nbf: number | undefined;
  readonly keys: JwksKeyStore;
}

/**
 * Remembers tokens whose signature, issuer, audience and claim rules were verified, so a
 * client that sends the same token again skips the signature check. Safe because:
 * - entries are keyed by the SHA-256 of the whole token (signature included), and the
 *   token itself is never kept;
 * - `exp` and `nbf` are checked again on every hit, with the verifier's leeway;
 * - a hit counts only while the signing key is still held and fresh in its key store:
 *   when the key store's cache period is over, the token goes through full verification
 *   (which refreshes the keys), and entries signed by a key that left the JWKS are dropped;
 * - it is bounded (at most `maxEntries`, the least recently used evicted first; see {@link RecentlyUsedMap}),
 *   and expired entries are removed when met.
 */
export class VerifiedTokenCache<T> {
  /** Lookups answered from memory and lookups that needed full verification (for metrics). */
  readonly stats = { hits: 0, misses: 0 };
  private readonly entries: RecentlyUsedMap<string, Entry<T>>;
  private readonly now: () => number;
  /**
   * The last token hashed and its id: one request looks its token up (guard and strategy)
   * and then remembers it, so it is hashed once. Held in memory only, never in an entry.
   */
  private lastDigest: { token: string; id: string } | undefined;

  constructor(private readonly options: VerifiedTokenCacheOptions) {
    this.now = options.now ?? Date.now;
    this.entries = new RecentlyUsedMap(options.maxEntries);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops the entries of `keys`' keys when they leave its JWKS. */
  watch(keys: JwksKeyStore): void {
    keys.onKeysRemoved((kids) => this.entries.deleteWhere((entry) => entry.keys === keys && kids.has(entry.kid)));
  }

  /**
   * What was remembered for `token`, if it was verified before and is still within its validity.
   * `counted: false` for a second look during the same request, so {@link stats} counts each request once.
   */
  get(token: string, counted = true): T | undefined {
    const id = this.digest(token);
    const entry = this.entries.get(id);
    if (!entry) return this.missed(counted);
    const now = Math.floor(this.now() / 1000);
    const tolerance = this.options.clockToleranceSeconds;
    if (now >= entry.exp + tolerance) {
      this.entries.delete(id);
      return this.missed(counted);
    }
    if (entry.nbf !== undefined && entry.nbf > now + tolerance) return this.missed(counted);
    if (!entry.keys.holdsFresh(entry.kid, entry.alg)) return this.missed(counted);
    if (counted) this.stats.hits++;
    return entry.value;
  }

  /** Remembers a token that passed full verification. */
  remember(token: string, { value, header, claims, keys }: VerifiedToken<T>): void {
    if (typeof claims.exp !== 'number') return;
    const id = this.digest(token);
    if (this.entries.has(id)) return;
    Object.freeze(claims);
    this.entries.set(id, {
      value: Object.freeze(value),
      kid: header.kid,
      alg: header.alg,
      exp: claims.exp,
      nbf: typeof claims.nbf === 'number' ? claims.nbf : undefined,
      keys,
    });
  }

  private missed(counted: boolean): undefined {
    if (counted) this.stats.misses++;
    return undefined;
  }

  private digest(token: string): string {
    if (this.lastDigest?.token === token) return this.lastDigest.id;
    const id = tokenDigest(token);
    this.lastDigest = { token, id };
    return id;
  }
}
