import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { IncomingMessage } from 'node:http';
import passport from 'passport';
import passportJwt from 'passport-jwt';
import { MCP_AUTH_RESOLVED_OPTIONS, MCP_AUTH_STRATEGY_NAME } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { bearerCredentialsOf } from './bearer-credentials.js';
import { Challenges } from './challenges.js';
import { IssuerRegistry } from './identity-providers/issuer-registry.js';
import type { JwtClaims, McpPrincipal } from './principal.js';
import { principalFromClaims } from './principal.js';
import { TokenRejection } from './token-rejection.js';

/**
 * The Passport strategy behind {@link McpAuthGuard}: `passport-jwt` verifying with
 * the keys of the token's issuer (routed by {@link IssuerRegistry}), a pinned
 * algorithm list, `exp`/`nbf` with leeway, and that issuer's exact `iss`, audiences
 * and claim rules.
 *
 * Registered under a name unique to its module instance, so that several
 * `McpAuthModule`s (or the application's own `'jwt'` strategy) never collide.
 */
@Injectable()
export class McpJwtStrategy extends PassportStrategy(passportJwt.Strategy) {
  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    @Inject(MCP_AUTH_STRATEGY_NAME) readonly strategyName: string,
    private readonly challenges: Challenges,
    private readonly issuers: IssuerRegistry,
  ) {
    super({
      jwtFromRequest: (req: IncomingMessage) => {
        const credentials = bearerCredentialsOf(req);
        return credentials.kind === 'bearer' ? credentials.token : null;
      },
      secretOrKeyProvider: issuers.keyFor,
      algorithms: [...options.algorithms],
      // passport-jwt verifies every token with one set of options: the union of all
      // issuers here, narrowed to the token's own issuer in validate().
      issuer: issuers.issuerIdentifiers,
      audience: issuers.audiences as [string, ...string[]],
      jsonWebTokenOptions: { clockTolerance: options.clockToleranceSeconds },
      passReqToCallback: true,
    });
    passport.use(strategyName, this as unknown as passport.Strategy);
  }

  /** Keeps the mixin from registering us as the global `'jwt'` strategy; see the constructor. */
  getPassportInstance() {
    return new passport.Passport();
  }

  /** Called by `passport-jwt` once signature, `iss`, `aud`, `exp` and `nbf` have passed. */
  async validate(req: IncomingMessage, claims: JwtClaims): Promise<McpPrincipal> {
    if (typeof claims.exp !== 'number') throw new TokenRejection('missing_expiry');
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new TokenRejection('missing_subject');
    const issuer = this.issuers.verified(req, claims);
    const principal = principalFromClaims(claims, issuer.claimsToScopes, issuer.subjectOf);
    if (this.options.validateUser && !(await this.options.validateUser(principal))) {
      throw this.challenges.unknownUser();
    }
    return principal;
  }
}
