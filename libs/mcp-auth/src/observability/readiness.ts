import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { IssuerRegistry } from '../authentication/identity-providers/issuer-registry.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { InFlightRequests } from '../transport/in-flight-requests.js';
import { issuerKeyStores } from './issuer-key-stores.js';
import type { IssuerKeyStore } from './issuer-key-stores.js';

/** What the readiness endpoint answers: ready, or why not. */
export type ReadinessReport =
  | { readonly ready: true; readonly body: { status: 'ready' } }
  | {
      readonly ready: false;
      readonly body: { status: 'not_ready'; reason: 'shutting_down' | 'signing_keys_not_loaded' | 'redis_unavailable'; issuers?: string[] };
    };

/** The first retry of a JWKS that was never read; each next one waits twice as long, up to `jwks.cooldownMs`. */
const FIRST_RETRY_MS = 500;

/**
 * Whether this instance should receive traffic. Not before every JWKS issuer's signing keys
 * were read once (until then every token of that issuer would get 401), not once shutdown has
 * begun (so a load balancer drains it during a rolling restart), and, with
 * `health.requireRedis`, not while Redis is unreachable.
 *
 * With `health` configured the keys are read at startup instead of on the first token, and a
 * read that fails is retried on a timer (500 ms, doubling up to `jwks.cooldownMs`) until it
 * succeeds: readiness answers from that state and never fetches anything itself, so probing
 * it (however often, by whoever) costs the identity provider nothing. Once read, keys stay
 * usable through identity provider outages (`jwks.maxStaleMs`), so readiness does not fall back.
 */
@Injectable()
export class McpReadiness implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly stores: IssuerKeyStore[];
  private shuttingDown = false;
  private readonly retries = new Set<NodeJS.Timeout>();

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    issuers: IssuerRegistry,
    private readonly redis: RedisConnection,
    private readonly inFlight: InFlightRequests,
  ) {
    this.stores = issuerKeyStores(options, issuers);
  }

  /** The answer to a readiness probe, from the current state. */
  report(): ReadinessReport {
    // The endpoint starts draining in its own destroy hook, which Nest may call before this one's.
    if (this.shuttingDown || this.inFlight.shuttingDown) return { ready: false, body: { status: 'not_ready', reason: 'shutting_down' } };
    const waiting = this.stores.filter(({ store }) => !store.loaded).map(({ issuer }) => issuer);
    if (waiting.length > 0) return { ready: false, body: { status: 'not_ready', reason: 'signing_keys_not_loaded', issuers: waiting } };
    if (this.options.health?.requireRedis && this.redis.enabled && !this.redis.ready) {
      return { ready: false, body: { status: 'not_ready', reason: 'redis_unavailable' } };
    }
    return { ready: true, body: { status: 'ready' } };
  }

  onApplicationBootstrap(): void {
    if (!this.options.health) return;
    for (const { store } of this.stores) void this.load(store, FIRST_RETRY_MS);
  }

  /** Shutdown begins (`app.close()`): from now on readiness fails, while in-flight requests still finish. */
  onModuleDestroy(): void {
    this.shuttingDown = true;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
  }

  onApplicationShutdown(): void {
    this.onModuleDestroy();
  }

  private async load(store: IssuerKeyStore['store'], retryMs: number): Promise<void> {
    if (!store.loaded) await store.refresh();
    if (store.loaded || this.shuttingDown) return;
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      void this.load(store, Math.min(retryMs * 2, this.options.jwks.cooldownMs));
    }, retryMs);
    timer.unref();
    this.retries.add(timer);
  }
}
