import { Inject, Injectable } from '@nestjs/common';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { decodeUnverifiedJwt } from '../authentication/jwt-header.js';
import type { McpPrincipal } from '../authentication/principal.js';
import { RecentlyUsedMap } from '../authentication/recently-used-map.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { DownstreamToken } from './downstream-token.js';
import type { DownstreamTokenRequest } from './downstream-token.js';
import { DownstreamTokenError } from './downstream-token.error.js';
import type { DownstreamTokenErrorCode } from './downstream-token.error.js';
import type { ResolvedDownstream, ResolvedDownstreamCache } from './downstream.options.js';
import { scopesBeyondRequest, splitScopes } from './scope-ceiling.js';
import { SealedTokenStore } from './sealed-token-store.js';
import type { CachedDownstreamToken } from './sealed-token-store.js';
import { TokenEndpointClient } from './token-endpoint-client.js';
import { targetOf } from './token-endpoint-answer.js';

/** The outcomes counted per issuer (the metrics' `result` label): a bounded set, never who or what. */
export type DownstreamTokenResult = 'exchanged' | 'cache_hit' | 'shared_cache_hit' | 'coalesced' | DownstreamTokenErrorCode;

/** What {@link DownstreamTokens} counted for one issuer, read by the metrics at scrape time. */
export interface DownstreamTokenStats {
  /** The issuer's first configured `iss` (a configured value, never one a caller sent). */
  readonly issuer: string;
  readonly counts: Map<DownstreamTokenResult, number>;
}

/** The identity of the caller whose token is exchanged: what a tool's context carries. */
export interface DownstreamCaller {
  readonly principal: McpPrincipal;
  readonly authInfo: Pick<AuthInfo, 'token'>;
}

interface IssuerDownstream {
  readonly config: ResolvedDownstream;
  readonly client: TokenEndpointClient;
  readonly stats: DownstreamTokenStats;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Tokens for downstream APIs, for the caller of a tool: RFC 8693 token exchange or Entra's
 * on-behalf-of against the caller's own issuer, never the caller's token passed on.
 *
 * Each token is kept until shortly before it expires, per (issuer, subject, the caller's client
 * and granted scopes, this server's client, audience/resource, scopes): in memory, and sealed in Redis when `redis` is configured, so
 * one user needs one exchange per API while the token lasts, on the whole fleet. Identical
 * exchanges running at the same time on one instance share one request. Results are counted
 * per issuer and outcome (for the metrics), never logged; a token prints redacted.
 *
 * @example
 * ```ts
 * @McpTool({ name: 'stock_level', input: { sku: z.string() } })
 * async stock({ sku }: { sku: string }, ctx: McpToolContext) {
 *   const token = await ctx.tokenFor({ audience: 'https://inventory.example.com', scopes: ['stock:read'] });
 *   return (await fetch(`https://inventory.example.com/stock/${sku}`, { headers: { authorization: token.authorization } })).json();
 * }
 * ```
 */
@Injectable()
export class DownstreamTokens {
  private readonly byIssuer = new Map<string, IssuerDownstream>();
  private readonly memory: RecentlyUsedMap<string, CachedDownstreamToken>;
  private readonly inFlight = new Map<string, Promise<CachedDownstreamToken>>();
  private readonly shared?: SealedTokenStore;
  private readonly cache: ResolvedDownstreamCache;

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) options: Pick<ResolvedMcpAuthOptions, 'issuers' | 'downstreamCache'>,
    redis: RedisConnection,
  ) {
    this.cache = options.downstreamCache;
    this.memory = new RecentlyUsedMap(this.cache.maxEntries);
    for (const issuer of options.issuers) {
      if (!issuer.downstream) continue;
      const entry: IssuerDownstream = {
        config: issuer.downstream,
        client: new TokenEndpointClient(issuer.downstream),
        stats: { issuer: issuer.issuers[0], counts: new Map() },
      };
      for (const iss of issuer.issuers) this.byIssuer.set(iss, entry);
    }
    if (redis.enabled && this.byIssuer.size > 0 && this.cache.encryptionKey) {
      this.shared = new SealedTokenStore(redis, this.cache.encryptionKey);
    }
  }

  /** What was counted, per issuer with `downstream` (for the metrics). */
  get stats(): DownstreamTokenStats[] {
    return [...new Set(this.byIssuer.values())].map((entry) => entry.stats);
  }

  /**
   * A token for the downstream API `request` names, for the caller of this tool call.
   * Throws {@link DownstreamTokenError} (or its {@link DownstreamConsentRequiredError}) with a
   * message that says what to do: a tool that lets it propagate answers `isError: true`.
   */
  async tokenFor(caller: DownstreamCaller, request: DownstreamTokenRequest): Promise<DownstreamToken> {
    const { principal } = caller;
    const entry = this.byIssuer.get(principal.issuer);
    if (!entry) {
      throw new DownstreamTokenError(
        'not_configured',
        `This server cannot call ${targetOf(request ?? {})} for you: downstream tokens are not configured for the way you signed in (an administrator must add "downstream" to that identity provider's entry of "issuers"; API keys have none).`,
      );
    }
    try {
      return toDownstreamToken(await this.obtain(entry, caller, request));
    } catch (error) {
      if (error instanceof DownstreamTokenError) this.count(entry, error.code);
      throw error;
    }
  }

  /** `tokenFor` bound to one caller: what a tool's context offers as `ctx.tokenFor(request)`. */
  for(caller: DownstreamCaller): (request: DownstreamTokenRequest) => Promise<DownstreamToken> {
    return (request) => this.tokenFor(caller, request);
  }

  private async obtain(
    entry: IssuerDownstream,
    { principal, authInfo }: DownstreamCaller,
    request: DownstreamTokenRequest,
  ): Promise<CachedDownstreamToken> {
    const scopes = checkedScopes(entry.config, request);
    const now = Date.now();
    // No leeway: a token the server still accepted within its clock tolerance is not sent on.
    if (principal.expiresAt !== undefined && principal.expiresAt * 1000 <= now) {
      throw new DownstreamTokenError(
        'subject_token_expired',
        `Your access token has expired, so it cannot be exchanged for one for ${targetOf(request)}: let your MCP client get a new one (sign in again if it asks), then call the tool again.`,
      );
    }
    const parts = [
      entry.stats.issuer,
      principal.id,
      // What the provider issues may depend on the caller's token (the client the user granted, the scopes it
      // holds), not only on the user: another token of the same user is never handed this one's downstream token.
      principal.clientId ?? '',
      [...principal.scopes].sort().join(' '),
      entry.config.clientId,
      entry.config.flow,
      request.audience ?? '',
      request.resource ?? '',
      ...[...scopes].sort(),
    ];
    const key = parts.join('\u0000');
    const remembered = this.memory.get(key);
    if (remembered && remembered.usableUntil > now) {
      this.count(entry, 'cache_hit');
      return remembered;
    }
    const running = this.inFlight.get(key);
    if (running) {
      this.count(entry, 'coalesced');
      return running;
    }
    const fetched = this.fetch(entry, key, parts, principal, authInfo.token, request, scopes).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, fetched);
    return fetched;
  }

  private async fetch(
    entry: IssuerDownstream,
    key: string,
    parts: readonly string[],
    principal: McpPrincipal,
    subjectToken: string,
    request: DownstreamTokenRequest,
    scopes: readonly string[],
  ): Promise<CachedDownstreamToken> {
    const sharedKey = this.shared?.keyOf(parts);
    if (sharedKey) {
      const fromFleet = await this.shared!.get(sharedKey, Date.now());
      if (fromFleet) {
        this.memory.set(key, fromFleet);
        this.count(entry, 'shared_cache_hit');
        return fromFleet;
      }
    }
    const issued = await entry.client.exchange(entry.config.tokenEndpointFor(principal), subjectToken, request, scopes);
    const beyond = scopesBeyondRequest(scopes, issued.scope, issued.accessToken, request.audience ?? request.resource);
    if (beyond.length > 0) {
      throw new DownstreamTokenError(
        'excess_scope',
        `The identity provider issued a token for ${targetOf(request)} with more than was asked for (${beyond.join(' ')}); ` +
          'it was discarded, as a downstream token never carries more than the tool needs: an administrator must align the scopes this server may request.',
      );
    }
    const now = Date.now();
    const expiresAt = issued.expiresIn !== undefined ? now + issued.expiresIn * 1000 : expiryInToken(issued.accessToken);
    const margin = expiresAt === undefined ? 0 : Math.min(this.cache.refreshBeforeExpirySeconds * 1000, (expiresAt - now) / 2);
    const token: CachedDownstreamToken = {
      accessToken: issued.accessToken,
      tokenType: issued.tokenType,
      expiresAt,
      scopes: issued.scope !== undefined ? splitScopes(issued.scope) : [...scopes],
      // Without a known expiry nothing is kept: each call exchanges again.
      usableUntil: expiresAt === undefined ? now : expiresAt - margin,
    };
    this.count(entry, 'exchanged');
    if (token.usableUntil > now) {
      this.memory.set(key, token);
      if (sharedKey) this.shared!.set(sharedKey, token, now);
    }
    return token;
  }

  private count(entry: IssuerDownstream, result: DownstreamTokenResult): void {
    entry.stats.counts.set(result, (entry.stats.counts.get(result) ?? 0) + 1);
  }
}

/** The scopes to ask for, in the provider's form (Entra: prefixed with the API; none means `<api>/.default`). */
function checkedScopes(config: ResolvedDownstream, request: DownstreamTokenRequest): readonly string[] {
  const invalid = (problem: string) => new DownstreamTokenError('invalid_request', `tokenFor(): ${problem}`);
  if (!request || typeof request !== 'object') throw invalid('needs { audience } or { resource }, and optionally { scopes }');
  for (const field of ['audience', 'resource'] as const) {
    const value = request[field];
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) throw invalid(`${field} must be a non-empty string`);
  }
  if (request.resource !== undefined && !/^[a-z][a-z0-9+.-]*:\/\/[^\s#]+$/i.test(request.resource)) {
    throw invalid('resource must be an absolute URI without fragment (RFC 8707)');
  }
  const scopes = request.scopes ?? [];
  if (!Array.isArray(scopes) || scopes.some((scope) => typeof scope !== 'string' || !SCOPE_TOKEN.test(scope))) {
    throw invalid('scopes must be a list of OAuth scopes, e.g. ["stock:read"]');
  }
  const api = request.audience ?? request.resource;
  if (config.flow === 'entra-on-behalf-of') {
    const base = api?.replace(/\/+$/, '');
    if (scopes.length === 0) {
      if (!base) throw invalid('needs the API (audience or resource, its Application ID URI) or full scopes for Entra on-behalf-of');
      return [`${base}/.default`];
    }
    return scopes.map((scope) => (base === undefined || scope.includes('://') ? scope : `${base}/${scope}`));
  }
  if (api === undefined) throw invalid('needs { audience } or { resource }: the downstream API the token is for');
  return [...new Set(scopes)];
}

function expiryInToken(accessToken: string): number | undefined {
  const exp = decodeUnverifiedJwt(accessToken)?.claims.exp;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}

function toDownstreamToken(token: CachedDownstreamToken): DownstreamToken {
  return new DownstreamToken(token.accessToken, token.tokenType, token.expiresAt, token.scopes);
}
