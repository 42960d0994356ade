import { Logger } from '@nestjs/common';
import type { ResolvedMcpAuthOptions } from '../../mcp-auth.options.js';
import { BearerTokenStrategy, NOT_MINE } from '../bearer-token.strategy.js';
import { decodeUnverifiedJwt } from '../jwt-header.js';
import type { BearerVerdict } from '../bearer-token.strategy.js';
import type { Challenges } from '../challenges.js';
import type { ResolvedIssuer } from '../identity-providers/resolve-issuers.js';
import { issuedAtRejection } from '../issued-at.js';
import { dpopConfirmationOf, unreadableConfirmation } from '../dpop/token-confirmation.js';
import { admitKnownUser } from '../known-user.js';
import { principalFromClaims } from '../principal.js';
import type { McpPrincipal } from '../principal.js';
import { TokenRejection } from '../token-rejection.js';
import type { RedisConnection } from '../../redis/redis-connection.js';
import { IntrospectionCache } from './introspection-cache.js';
import { SharedIntrospectionCache } from './shared-introspection-cache.js';
import { introspectToken } from './introspection-client.js';
import type { IntrospectionResponse } from './introspection-client.js';
import type { ResolvedIntrospection } from './introspection.options.js';

/** An issuer whose tokens are introspected, with the rules its answers are held to. */
export interface IntrospectedIssuer extends Pick<ResolvedIssuer, 'issuers' | 'audiences' | 'claimsToScopes' | 'subjectOf' | 'checkClaims'> {
  readonly introspection: ResolvedIntrospection;
}

/** Counters kept per introspected issuer (read by the metrics at scrape time). */
export interface IntrospectionStats {
  /** Answers saying the token is active. */
  active: number;
  /** Answers saying it is not. */
  inactive: number;
  /** Calls that got no usable answer (network, status, body). */
  failed: number;
  cacheHits: number;
  cacheMisses: number;
}

interface IssuerWithCache extends IntrospectedIssuer {
  readonly cache: IntrospectionCache;
  readonly stats: IntrospectionStats;
  /** The fleet's cache in Redis, when `redis` is configured. */
  readonly shared?: SharedIntrospectionCache;
}

/**
 * Opaque access tokens as a Passport strategy (RFC 7662): the issuer's introspection
 * endpoint says whether a token is `active`; this then checks `iss`, our audience,
 * `exp`/`nbf` and the subject like the JWT strategy does, and builds the same principal.
 * Active results are cached (bounded by `exp` and `cacheMaxSeconds`), so a busy
 * client costs one introspection call per token, not one per request; refusals are
 * cached for 10 s at most (see {@link IntrospectionCache}).
 *
 * A JWT naming an introspected issuer is introspected too; other JWTs are left to the
 * JWT strategy when there is one. An opaque token does not say who issued it: it is sent
 * to the one issuer that recognises it (`tokenPrefix` / `recognizes`, required when several
 * issuers are introspected), or to the only introspected issuer; never to each in turn, so
 * no issuer ever sees another issuer's tokens. The answer is held to the issuer's own claim
 * rules (`checkClaims`: Keycloak refuses refresh and ID tokens) and must describe a bearer
 * access token (RFC 7662 `token_type`, when present).
 */
export class IntrospectionStrategy extends BearerTokenStrategy {
  private readonly logger = new Logger('McpAuth');
  private readonly issuers: IssuerWithCache[];

  constructor(
    name: string,
    issuers: readonly IntrospectedIssuer[],
    private readonly options: Pick<ResolvedMcpAuthOptions, 'clockToleranceSeconds' | 'validateUser'> & {
      readonly verifiesJwtsLocally: boolean;
    },
    private readonly challenges: Challenges,
    redis?: RedisConnection,
  ) {
    super(name);
    this.issuers = issuers.map((issuer) => ({
      ...issuer,
      cache: new IntrospectionCache(issuer.introspection.cacheMaxSeconds, issuer.introspection.cacheMaxEntries),
      stats: { active: 0, inactive: 0, failed: 0, cacheHits: 0, cacheMisses: 0 },
      shared:
        redis?.enabled && issuer.introspection.cacheMaxSeconds > 0
          ? new SharedIntrospectionCache(redis, issuer.introspection.endpoint)
          : undefined,
    }));
  }

  /** Calls and cache lookups per introspected issuer (its first configured `iss`), for metrics. */
  get stats(): Array<{ issuer: string; stats: Readonly<IntrospectionStats> }> {
    return this.issuers.map((issuer) => ({ issuer: issuer.issuers[0], stats: issuer.stats }));
  }

  protected async verify(token: string): Promise<BearerVerdict> {
    const jwt = decodeUnverifiedJwt(token);
    const named =
      jwt && typeof jwt.claims.iss === 'string'
        ? this.issuers.find((issuer) => issuer.issuers.includes(jwt.claims.iss as string))
        : undefined;
    if (jwt && !named && this.options.verifiesJwtsLocally) return NOT_MINE;
    const issuer = named ?? this.recogniserOf(token);
    if (!issuer) return new TokenRejection('wrong_issuer', 'The access token was not issued by an issuer this server introspects');
    const verdict = await this.introspectAt(issuer, token);
    return verdict instanceof TokenRejection ? verdict : admitKnownUser(verdict, this.options, this.challenges);
  }

  /** The one introspected issuer that can have issued an opaque token: the only one, or the one that recognises it. */
  private recogniserOf(token: string): IssuerWithCache | undefined {
    if (this.issuers.length === 1 && !this.issuers[0].introspection.recognizes) return this.issuers[0];
    const recognising = this.issuers.filter((issuer) => issuer.introspection.recognizes?.(token) === true);
    // Two issuers claiming one token cannot both have issued it: send it to neither.
    return recognising.length === 1 ? recognising[0] : undefined;
  }

  private async introspectAt(issuer: IssuerWithCache, token: string): Promise<McpPrincipal | TokenRejection> {
    const cached = issuer.cache.get(token);
    if (cached) {
      issuer.stats.cacheHits++;
      return cached;
    }
    // Another replica's answer: this replica's cache first, the fleet's second, the identity provider last.
    // The answer is held to this server's own rules, whatever the server that stored it decided.
    const shared = await issuer.shared?.get(token);
    if (shared) {
      issuer.stats.cacheHits++;
      const outcome = this.principalOf(issuer, shared.answer);
      const left = shared.until - Date.now();
      if (outcome instanceof TokenRejection) issuer.cache.setRefusal(token, outcome, left);
      else issuer.cache.set(token, outcome, left);
      return outcome;
    }
    issuer.stats.cacheMisses++;
    let response: IntrospectionResponse;
    try {
      response = await introspectToken(issuer.introspection, token);
    } catch (error) {
      issuer.stats.failed++;
      this.logger.warn(`Token introspection at ${issuer.introspection.endpoint} failed: ${(error as Error).message}`);
      return new TokenRejection('introspection_unavailable');
    }
    if (response.active) issuer.stats.active++;
    else issuer.stats.inactive++;
    const outcome = this.principalOf(issuer, response);
    const forMs = outcome instanceof TokenRejection ? issuer.cache.setRefusal(token, outcome) : issuer.cache.set(token, outcome);
    issuer.shared?.remember(token, response, forMs);
    return outcome;
  }

  /** The checks the JWT strategy makes, applied to an introspection response. */
  private principalOf(issuer: IntrospectedIssuer, response: IntrospectionResponse): McpPrincipal | TokenRejection {
    if (!response.active) return new TokenRejection('inactive');
    const now = Math.floor(Date.now() / 1000);
    const leeway = this.options.clockToleranceSeconds;
    if (response.iss !== undefined && (typeof response.iss !== 'string' || !issuer.issuers.includes(response.iss)))
      return new TokenRejection('wrong_issuer');
    if (response.exp !== undefined && (typeof response.exp !== 'number' || response.exp + leeway <= now)) {
      return new TokenRejection(typeof response.exp === 'number' ? 'expired' : 'invalid_claim');
    }
    if (response.nbf !== undefined && (typeof response.nbf !== 'number' || response.nbf - leeway > now)) {
      return new TokenRejection(typeof response.nbf === 'number' ? 'not_yet_valid' : 'invalid_claim');
    }
    const issuedAt = issuedAtRejection(response.iat, leeway, now);
    if (issuedAt) return issuedAt;
    const audiences = [response.aud].flat().filter((aud): aud is string => typeof aud === 'string');
    if (!audiences.some((aud) => issuer.audiences.includes(aud))) return new TokenRejection('wrong_audience');
    // RFC 7662 §2.2: `token_type` as in RFC 6749 §7.1. An access token is `Bearer`, or `DPoP`
    // (RFC 9449 §6.2) with the key it is bound to in `cnf.jkt`, whose proof the guard checks
    // (DpopBinding); anything else (a refresh token) is not an access token.
    const tokenType = typeof response.token_type === 'string' ? response.token_type.toLowerCase() : response.token_type;
    if (tokenType !== undefined && tokenType !== 'bearer' && tokenType !== 'dpop') {
      return new TokenRejection('invalid_claim', 'The token is not an access token (token_type)');
    }
    const confirmation = dpopConfirmationOf(response);
    if (confirmation === 'invalid') return unreadableConfirmation();
    if (tokenType === 'dpop' && confirmation === undefined) {
      return new TokenRejection('invalid_claim', 'The introspection answer says token_type DPoP but names no key (cnf.jkt)');
    }
    // RFC 7662 makes `sub` optional; a client-credentials token is the client acting for itself.
    const sub = typeof response.sub === 'string' && response.sub !== '' ? response.sub : response.client_id;
    if (typeof sub !== 'string' || sub === '') return new TokenRejection('missing_subject');
    const claims = { ...response, sub, iss: response.iss ?? issuer.issuers[0] };
    // The issuer's own rules, as for its JWTs (Keycloak: `typ` must be "Bearer").
    const refusal = issuer.checkClaims?.(claims);
    if (refusal) return refusal;
    return principalFromClaims(claims, issuer.claimsToScopes, issuer.subjectOf);
  }
}
