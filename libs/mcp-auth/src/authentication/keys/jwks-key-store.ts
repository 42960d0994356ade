import { Logger } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import jwksRsa from 'jwks-rsa';
import type { JwtAlgorithm } from '../../mcp-auth.options.js';
import { TokenRejection } from '../token-rejection.js';
import { fetchJwks } from './fetch-jwks.js';
import type { SigningKey } from './signing-key.js';
import { signingKeyFromJwk } from './signing-key.js';

/** Defaults of {@link JwksKeyStoreOptions}. */
export const JWKS_DEFAULTS = { cacheMaxAgeMs: 10 * 60_000, cooldownMs: 30_000, timeoutMs: 5_000, maxStaleMs: 24 * 60 * 60_000 } as const;

/** How one issuer's keys are fetched and cached. */
export interface JwksKeyStoreOptions {
  /** The issuer's JWK Set URL. */
  readonly jwksUri: string;
  /** Algorithms a key may be used with (each key further narrowed to the ones its type fits). */
  readonly algorithms: readonly JwtAlgorithm[];
  /** Keys are re-read after this long, so a key removed from the JWKS stops being accepted. Default 10 minutes. */
  readonly cacheMaxAgeMs?: number;
  /** An unknown `kid` causes at most one fetch per this window. Default 30 s. */
  readonly cooldownMs?: number;
  /** A fetch that has not completed within this time fails. Default 5 s. */
  readonly timeoutMs?: number;
  /**
   * While the JWKS cannot be read, the keys held keep working for at most this long past
   * `cacheMaxAgeMs` (so a key the identity provider removed during an outage, or while its
   * JWKS endpoint is being blocked, is not accepted forever); then every token is refused until
   * the JWKS is read again. Default 24 hours.
   */
  readonly maxStaleMs?: number;
  /** The clock, in milliseconds; tests inject their own. */
  readonly now?: () => number;
}

/** Counters for monitoring and the benchmark. */
export interface JwksKeyStoreStats {
  /** JWKS requests made (successful or not). */
  fetches: number;
  /** Of those, the ones that failed (unreachable, timeout, HTTP error, not a JWK Set). */
  failedFetches: number;
}

/**
 * The signing keys of one issuer, fetched with `jwks-rsa`'s `JwksClient` and kept as
 * parsed `KeyObject`s, so verifying a token never re-parses key material.
 *
 * - A known `kid` is answered from memory, synchronously ({@link cachedKey}).
 * - Requests that need a fetch share one: concurrent callers wait on the same promise.
 * - An unknown `kid` fetches at most once per `cooldownMs`: a flood of made-up `kid`s
 *   costs the identity provider one request per window, not one per token.
 * - After `cacheMaxAgeMs` the next request re-reads the JWKS; keys that are gone are
 *   no longer accepted (and {@link onKeysRemoved} listeners hear about them).
 * - When the JWKS cannot be fetched (down, slow, HTTP error, garbage), the keys already
 *   held keep working, for `maxStaleMs` at most past their cache period, and everything else
 *   is refused with a `TokenRejection`; a fetch never hangs longer than `timeoutMs` and never
 *   rejects unhandled.
 *
 * One instance per JWKS URL.
 */
export class JwksKeyStore {
  readonly stats: JwksKeyStoreStats = { fetches: 0, failedFetches: 0 };
  private readonly logger = new Logger('McpAuth');
  private readonly client: jwksRsa.JwksClient;
  private readonly maxAgeMs: number;
  private readonly cooldownMs: number;
  private readonly maxStaleMs: number;
  private readonly now: () => number;
  private keys = new Map<string | undefined, SigningKey>();
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private lastFetchFailed = false;
  private inFlight: Promise<void> | undefined;
  private readonly removalListeners: Array<(kids: ReadonlySet<string | undefined>) => void> = [];

  constructor(private readonly options: JwksKeyStoreOptions) {
    this.maxAgeMs = options.cacheMaxAgeMs ?? JWKS_DEFAULTS.cacheMaxAgeMs;
    this.cooldownMs = options.cooldownMs ?? JWKS_DEFAULTS.cooldownMs;
    this.maxStaleMs = options.maxStaleMs ?? JWKS_DEFAULTS.maxStaleMs;
    this.now = options.now ?? Date.now;
    const timeoutMs = options.timeoutMs ?? JWKS_DEFAULTS.timeoutMs;
    this.client = new jwksRsa.JwksClient({
      jwksUri: options.jwksUri,
      cache: false,
      rateLimit: false,
      timeout: timeoutMs,
      fetcher: (uri) => fetchJwks(uri, timeoutMs),
    });
  }

  get jwksUri(): string {
    return this.options.jwksUri;
  }

  /** True once the JWKS was read successfully at least once (readiness waits for it). */
  get loaded(): boolean {
    return this.fetchedAt !== Number.NEGATIVE_INFINITY;
  }

  /** How many keys are held. */
  get size(): number {
    return this.keys.size;
  }

  /** Whether a key with this `kid` is currently held. */
  has(kid: string | undefined): boolean {
    return this.keys.has(kid);
  }

  /** Whether the key for this header is held, fresh, and usable with `alg`. Never fetches, never throws. */
  holdsFresh(kid: string | undefined, alg: string): boolean {
    if (this.now() - this.fetchedAt >= this.maxAgeMs) return false;
    return this.lookup(kid)?.algorithms.has(alg) ?? false;
  }

  /**
   * The key for a token header when it can be answered from memory without a fetch
   * (held and fresh), else undefined. Throws when the held key may not be used with `alg`.
   */
  cachedKey(kid: string | undefined, alg: string): KeyObject | undefined {
    this.checkAlgorithm(alg);
    if (this.now() - this.fetchedAt >= this.maxAgeMs) return undefined;
    const key = this.lookup(kid);
    return key ? usable(key, alg) : undefined;
  }

  /** The key for a token header, fetching the JWKS when needed and allowed. Rejects with a `TokenRejection`. */
  async keyFor(kid: string | undefined, alg: string): Promise<KeyObject> {
    // Refused before any fetch: a token signed with `none` or `HS256` must not cost the identity provider a request.
    this.checkAlgorithm(alg);
    const now = this.now();
    const stale = now - this.fetchedAt >= this.maxAgeMs;
    const held = this.lookup(kid);
    if (held && !stale) return usable(held, alg);
    if (held && this.lastFetchFailed && !this.pastStaleBound(now)) {
      // The identity provider was unreachable: keep serving what we hold, and try again in the background.
      if (!this.inFlight && now - this.attemptedAt >= this.cooldownMs) void this.refresh();
      return usable(held, alg);
    }
    if (this.inFlight) {
      await this.inFlight;
    } else if ((stale && !this.lastFetchFailed) || now - this.attemptedAt >= this.cooldownMs) {
      await this.refresh();
    }
    const key = this.lookup(kid);
    if (key && !(this.lastFetchFailed && this.pastStaleBound(this.now()))) return usable(key, alg);
    throw new TokenRejection(this.lastFetchFailed ? 'signing_keys_unavailable' : 'unknown_signing_key');
  }

  /** Keys last read this long ago are no longer trusted, reachable identity provider or not. */
  private pastStaleBound(now: number): boolean {
    return now - this.fetchedAt >= this.maxAgeMs + this.maxStaleMs;
  }

  /** Reads the JWKS now, or joins the read in progress. Never rejects. */
  refresh(): Promise<void> {
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Called with the `kid`s that a refresh removed or replaced. */
  onKeysRemoved(listener: (kids: ReadonlySet<string | undefined>) => void): void {
    this.removalListeners.push(listener);
  }

  private checkAlgorithm(alg: string): void {
    if (!(this.options.algorithms as readonly string[]).includes(alg)) throw new TokenRejection('unsupported_algorithm');
  }

  private lookup(kid: string | undefined): SigningKey | undefined {
    const key = this.keys.get(kid);
    if (key || kid !== undefined) return key;
    // A token without `kid` is only matched when the issuer publishes exactly one key.
    return this.keys.size === 1 ? this.keys.values().next().value : undefined;
  }

  private async fetch(): Promise<void> {
    this.attemptedAt = this.now();
    this.stats.fetches++;
    let jwks: unknown;
    try {
      jwks = await this.client.getKeys();
      if (!Array.isArray(jwks)) throw new Error('the document has no "keys" array');
    } catch (error) {
      this.lastFetchFailed = true;
      this.stats.failedFetches++;
      this.logger.warn(`JWKS fetch from ${this.options.jwksUri} failed (${describe(error)}); ${this.keys.size} cached key(s) stay in use`);
      return;
    }
    const next = new Map<string | undefined, SigningKey>();
    for (const jwk of jwks) {
      const key = signingKeyFromJwk(jwk, this.options.algorithms);
      if (key && !next.has(key.kid)) next.set(key.kid, key);
    }
    const removed = new Set<string | undefined>();
    for (const [kid, old] of this.keys) {
      const replacement = next.get(kid);
      if (!replacement || !replacement.key.equals(old.key)) removed.add(kid);
    }
    this.keys = next;
    this.fetchedAt = this.now();
    this.lastFetchFailed = false;
    if (removed.size > 0) for (const listener of this.removalListeners) listener(removed);
  }
}

function usable(key: SigningKey, alg: string): KeyObject {
  if (!key.algorithms.has(alg)) throw new TokenRejection('unsupported_algorithm');
  return key.key;
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause?.code;
  const message = (error as { message?: unknown } | undefined)?.message;
  return cause ?? (typeof message === 'string' && message ? message : String(error));
}
