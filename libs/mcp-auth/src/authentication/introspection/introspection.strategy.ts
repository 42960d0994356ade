import { Logger } from '@nestjs/common';
import type { ResolvedMcpAuthOptions } from '../../mcp-auth.options.js';
import { BearerTokenStrategy, NOT_MINE } from '../bearer-token.strategy.js';
import { decodeUnverifiedJwt } from '../jwt-header.js';
import type { BearerVerdict } from '../bearer-token.strategy.js';
import type { Challenges } from '../challenges.js';
import type { ResolvedIssuer } from '../identity-providers/resolve-issuers.js';
import { admitKnownUser } from '../known-user.js';
import { principalFromClaims } from '../principal.js';
import type { McpPrincipal } from '../principal.js';
import { TokenRejection } from '../token-rejection.js';
import { IntrospectionCache } from './introspection-cache.js';
import { introspectToken } from './introspection-client.js';
import type { IntrospectionResponse } from './introspection-client.js';
import type { ResolvedIntrospection } from './introspection.options.js';

/** An issuer whose tokens are introspected, with the rules its answers are held to. */
export interface IntrospectedIssuer extends Pick<ResolvedIssuer, 'issuers' | 'audiences' | 'claimsToScopes' | 'subjectOf'> {
  readonly introspection: ResolvedIntrospection;
}

interface IssuerWithCache extends IntrospectedIssuer {
  readonly cache: IntrospectionCache;
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
 * JWT strategy when there is one. An opaque token does not say who issued it, so it is
 * asked of each introspected issuer in order until one knows it.
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
  ) {
    super(name);
    this.issuers = issuers.map((issuer) => ({
      ...issuer,
      cache: new IntrospectionCache(issuer.introspection.cacheMaxSeconds, issuer.introspection.cacheMaxEntries),
    }));
  }

  protected async verify(token: string): Promise<BearerVerdict> {
    let candidates = this.issuers;
    const jwt = decodeUnverifiedJwt(token);
    if (jwt) {
      const named = this.issuers.filter((issuer) => typeof jwt.claims.iss === 'string' && issuer.issuers.includes(jwt.claims.iss));
      if (named.length > 0) candidates = named;
      else if (this.options.verifiesJwtsLocally) return NOT_MINE;
    }
    let verdict: McpPrincipal | TokenRejection = new TokenRejection('inactive');
    for (const issuer of candidates) {
      verdict = await this.introspectAt(issuer, token);
      if (!(verdict instanceof TokenRejection)) return admitKnownUser(verdict, this.options, this.challenges);
    }
    return verdict;
  }

  private async introspectAt(issuer: IssuerWithCache, token: string): Promise<McpPrincipal | TokenRejection> {
    const cached = issuer.cache.get(token);
    if (cached) return cached;
    let response: IntrospectionResponse;
    try {
      response = await introspectToken(issuer.introspection, token);
    } catch (error) {
      this.logger.warn(`Token introspection at ${issuer.introspection.endpoint} failed: ${(error as Error).message}`);
      return new TokenRejection('introspection_unavailable');
    }
    const outcome = this.principalOf(issuer, response);
    if (outcome instanceof TokenRejection) issuer.cache.setRefusal(token, outcome);
    else issuer.cache.set(token, outcome);
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
    const audiences = [response.aud].flat().filter((aud): aud is string => typeof aud === 'string');
    if (!audiences.some((aud) => issuer.audiences.includes(aud))) return new TokenRejection('wrong_audience');
    // RFC 7662 makes `sub` optional; a client-credentials token is the client acting for itself.
    const sub = typeof response.sub === 'string' && response.sub !== '' ? response.sub : response.client_id;
    if (typeof sub !== 'string' || sub === '') return new TokenRejection('missing_subject');
    return principalFromClaims({ ...response, sub, iss: response.iss ?? issuer.issuers[0] }, issuer.claimsToScopes, issuer.subjectOf);
  }
}
