import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Histogram } from 'prom-client';
import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import type { McpAuditEvent } from '../audit/audit-event.js';
import type { IntrospectionStats } from '../authentication/introspection/introspection.strategy.js';
import type { DownstreamTokenStats } from '../downstream/downstream-tokens.service.js';
import { PRINCIPAL_REQUEST_PROPERTY } from '../mcp-auth.constants.js';
import type { McpPrincipal } from '../authentication/principal.js';
import { actionLabel, httpMethodLabel, isDpopReason, methodLabel, reasonLabel, statusLabel } from './metric-labels.js';
import type { ResolvedMetricsOptions } from './observability.options.js';
import type { PrometheusRegistry } from './prometheus-registry.js';
import { SeriesCounts } from './series-counts.js';
import type { Series } from './series-counts.js';

/** Counts a component keeps anyway (plain integers on its own object), read at scrape time rather than pushed per request. */
export interface McpMetricsSources {
  /** Every JWKS key store, labelled with the (configured) issuer it serves. */
  readonly keyStores: ReadonlyArray<{
    readonly issuer: string;
    readonly store: { readonly stats: { fetches: number; failedFetches: number }; readonly loaded: boolean };
  }>;
  /** The verified-token cache's lookups, when there is one. */
  readonly tokenCache?: () => { readonly hits: number; readonly misses: number } | undefined;
  /** Introspection calls and cache lookups per introspected issuer. */
  readonly introspection?: () => ReadonlyArray<{ readonly issuer: string; readonly stats: IntrospectionStats }>;
  /** Errors reported by the module's Redis connections, when `redis` is configured. */
  readonly redisErrors?: () => number;
  /** Downstream token requests per issuer, by result (exchanged, cache hit, error code). */
  readonly downstreamTokens?: () => readonly DownstreamTokenStats[];
}

/** The era a request was served in; `none` until (unless) its body was read and classified. */
type Era = 'modern' | 'legacy' | 'none';

type PromClient = typeof import('prom-client');

/** What is known about one request to the endpoint while it runs. */
interface Exchange {
  readonly start: number;
  era: Era;
  method: string;
}

const EXCHANGE = Symbol('mcp-auth:metrics-exchange');

type TrackedResponse = ServerResponse & { [EXCHANGE]?: Exchange };

/**
 * The module's Prometheus metrics, in a registry of its own (never `prom-client`'s global
 * one, so two applications in one process do not collide). Requests and decisions are
 * counted as they happen, in plain numbers bound once per label combination
 * ({@link SeriesCounts}) and handed to `prom-client` at scrape time, like what the key
 * stores, the token cache and the introspection strategy count anyway. Only exists when `metrics` is configured: with it off, callers hold `null`
 * and do no work per request.
 */
export class McpMetrics {
  /**
   * The module's registry, a `prom-client` `Registry`: scrape it yourself, or merge it into yours with
   * `Registry.merge([metrics.registry as Registry, register])` (typed without `prom-client`: {@link PrometheusRegistry}).
   */
  readonly registry: PrometheusRegistry;
  private readonly duration: Histogram<'era' | 'method'>;
  private readonly requests = new SeriesCounts();
  private readonly authentications = new SeriesCounts();
  private readonly authorizations = new SeriesCounts();
  private readonly dpop = new SeriesCounts();
  private readonly allowedAuthentication: Series;
  private readonly allowedDpop: Series;
  private redisErrors = 0;
  /** Histogram children by their joined label values, bound once. */
  private readonly durationChildren = new Map<string, { observe(seconds: number): void }>();

  /** Loads `prom-client` (only when metrics are configured, so applications without them need not install it). */
  static async create(options: ResolvedMetricsOptions, sources: McpMetricsSources): Promise<McpMetrics> {
    let promClient: PromClient;
    try {
      promClient = await import('prom-client');
    } catch {
      throw new McpAuthConfigurationError('metrics', 'needs the prom-client package: npm install prom-client');
    }
    return new McpMetrics(promClient, options, sources);
  }

  // Private, so that its `prom-client` parameter stays out of the package's declarations (see PrometheusRegistry).
  private constructor(
    { Counter, Gauge, Histogram, Registry, collectDefaultMetrics }: PromClient,
    readonly options: ResolvedMetricsOptions,
    sources: McpMetricsSources,
  ) {
    const registry = new Registry();
    this.registry = registry;
    const registers = [registry];
    const name = (suffix: string) => `${options.prefix}${suffix}`;
    const { requests, authentications, authorizations, dpop } = this;
    const redisErrors = () => this.redisErrors + (sources.redisErrors?.() ?? 0);
    new Counter({
      name: name('requests_total'),
      help: 'Requests to the MCP endpoint, by protocol era, MCP method, HTTP method and status',
      labelNames: ['era', 'method', 'http_method', 'status'],
      registers,
      collect() {
        requests.writeTo(this);
      },
    });
    this.duration = new Histogram({
      name: name('request_duration_seconds'),
      help: 'Time from a request to the MCP endpoint arriving to its answer being sent (GET streams excluded), by era and MCP method',
      labelNames: ['era', 'method'],
      buckets: [...options.durationBuckets],
      registers,
    });
    new Counter({
      name: name('authentications_total'),
      help: 'Authentication decisions on the MCP endpoint: allowed, or denied with the rejection reason',
      labelNames: ['outcome', 'reason'],
      registers,
      collect() {
        authentications.writeTo(this);
      },
    });
    new Counter({
      name: name('authorization_decisions_total'),
      help: 'Authorization decisions (listing, calling, reading, session use, rate limits) by action, outcome and reason',
      labelNames: ['action', 'outcome', 'reason'],
      registers,
      collect() {
        authorizations.writeTo(this);
      },
    });
    new Counter({
      name: name('redis_errors_total'),
      help: "Errors reported by the module's Redis connections",
      registers,
      collect() {
        this.reset();
        this.inc(redisErrors());
      },
    });
    this.allowedAuthentication = authentications.of('allowed|none', () => ({ outcome: 'allowed', reason: 'none' }));
    new Counter({
      name: name('dpop_requests_total'),
      help: 'Requests with a DPoP-bound token (RFC 9449) or refused for DPoP reasons: allowed, or denied with the reason',
      labelNames: ['outcome', 'reason'],
      registers,
      collect() {
        dpop.writeTo(this);
      },
    });
    this.allowedDpop = dpop.of('allowed|none', () => ({ outcome: 'allowed', reason: 'none' }));

    new Counter({
      name: name('jwks_fetches_total'),
      help: 'JWKS requests to each issuer, by result (ok or error)',
      labelNames: ['issuer', 'result'],
      registers,
      collect() {
        this.reset();
        for (const { issuer, store } of sources.keyStores) {
          this.inc({ issuer, result: 'ok' }, store.stats.fetches - store.stats.failedFetches);
          this.inc({ issuer, result: 'error' }, store.stats.failedFetches);
        }
      },
    });
    new Gauge({
      name: name('jwks_keys_loaded'),
      help: "1 once an issuer's signing keys were read at least once, else 0 (readiness waits for every one)",
      labelNames: ['issuer'],
      registers,
      collect() {
        for (const { issuer, store } of sources.keyStores) this.set({ issuer }, store.loaded ? 1 : 0);
      },
    });
    new Counter({
      name: name('introspection_requests_total'),
      help: 'Token introspection calls to each issuer, by result (active, inactive, error)',
      labelNames: ['issuer', 'result'],
      registers,
      collect() {
        this.reset();
        for (const { issuer, stats } of sources.introspection?.() ?? []) {
          this.inc({ issuer, result: 'active' }, stats.active);
          this.inc({ issuer, result: 'inactive' }, stats.inactive);
          this.inc({ issuer, result: 'error' }, stats.failed);
        }
      },
    });
    new Counter({
      name: name('cache_lookups_total'),
      help: 'Lookups in the verified-token cache and the introspection cache, by result (hit or miss)',
      labelNames: ['cache', 'result'],
      registers,
      collect() {
        this.reset();
        const tokens = sources.tokenCache?.();
        if (tokens) {
          this.inc({ cache: 'verified_token', result: 'hit' }, tokens.hits);
          this.inc({ cache: 'verified_token', result: 'miss' }, tokens.misses);
        }
        const introspected = sources.introspection?.() ?? [];
        if (introspected.length > 0) {
          this.inc({ cache: 'introspection', result: 'hit' }, sum(introspected, 'cacheHits'));
          this.inc({ cache: 'introspection', result: 'miss' }, sum(introspected, 'cacheMisses'));
        }
      },
    });
    new Counter({
      name: name('downstream_token_requests_total'),
      help: 'Downstream tokens tools asked for (ctx.tokenFor), per issuer and result: exchanged at the identity provider, served from the memory or the shared cache, coalesced with a running exchange, or the error code',
      labelNames: ['issuer', 'result'],
      registers,
      collect() {
        this.reset();
        for (const { issuer, counts } of sources.downstreamTokens?.() ?? []) {
          for (const [result, count] of counts) this.inc({ issuer, result }, count);
        }
      },
    });
    if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: options.prefix });
  }

  /** Starts timing a request to the MCP endpoint; it is counted when its response closes. */
  track(req: IncomingMessage, res: ServerResponse): void {
    const exchange: Exchange = { start: performance.now(), era: 'none', method: 'none' };
    (res as TrackedResponse)[EXCHANGE] = exchange;
    res.once('close', () => this.finished(req, res, exchange));
  }

  /** The endpoint read and classified a POST's body: its era and MCP method label the request. */
  classified(res: ServerResponse, era: 'modern' | 'legacy', message: unknown): void {
    const exchange = (res as TrackedResponse)[EXCHANGE];
    if (!exchange) return;
    exchange.era = era;
    exchange.method = methodLabel(message);
  }

  /** An audit event: authentication refusals and every authorization decision, by reason (never by who). */
  decided(event: McpAuditEvent): void {
    const reason = reasonLabel(event.reason);
    const { outcome } = event;
    if (event.action === 'authenticate') {
      this.authentications.of(`${outcome}|${reason}`, () => ({ outcome, reason })).count++;
      if (isDpopReason(event.reason)) this.dpop.of(`${outcome}|${reason}`, () => ({ outcome, reason })).count++;
      return;
    }
    const action = actionLabel(event.action);
    this.authorizations.of(`${action}|${outcome}|${reason}`, () => ({ action, outcome, reason })).count++;
  }

  /** A Redis connection reported an error (connections of the module are also read from `sources.redisErrors`). */
  redisErrored(): void {
    this.redisErrors++;
  }

  /** The Prometheus text exposition of the registry. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private finished(req: IncomingMessage, res: ServerResponse, exchange: Exchange): void {
    const httpMethod = httpMethodLabel(req.method);
    // A response closed before its head was sent (the client went away, or shutdown cut it) has no status.
    const status = res.headersSent ? statusLabel(res.statusCode) : 'aborted';
    const { era, method } = exchange;
    this.requests.of(`${era}|${method}|${httpMethod}|${status}`, () => ({ era, method, http_method: httpMethod, status })).count++;
    // A GET is a server-to-client stream: its length says how long the client listened, not how fast we answered.
    if (httpMethod !== 'GET') {
      this.child(this.durationChildren, `${era}|${method}`, () => this.duration.labels(era, method)).observe(
        (performance.now() - exchange.start) / 1000,
      );
    }
    // Denials are counted from the audit trail, with their reason; an admitted caller left its principal on the request.
    const principal = (req as IncomingMessage & Record<string, McpPrincipal | undefined>)[PRINCIPAL_REQUEST_PROPERTY];
    if (principal === undefined) return;
    this.allowedAuthentication.count++;
    if (principal.confirmation) this.allowedDpop.count++;
  }

  private child<T>(children: Map<string, T>, key: string, bind: () => T): T {
    let child = children.get(key);
    if (child === undefined) {
      child = bind();
      children.set(key, child);
    }
    return child;
  }
}

function sum(entries: ReadonlyArray<{ stats: IntrospectionStats }>, field: keyof IntrospectionStats): number {
  return entries.reduce((total, entry) => total + entry.stats[field], 0);
}
