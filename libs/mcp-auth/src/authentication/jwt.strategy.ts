import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { IncomingMessage } from 'node:http';
import passport from 'passport';
import passportJwt from 'passport-jwt';
import jwksRsa from 'jwks-rsa';
import { MCP_AUTH_RESOLVED_OPTIONS, MCP_AUTH_STRATEGY_NAME } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { bearerCredentialsOf } from './bearer-credentials.js';
import { Challenges } from './challenges.js';
import type { JwtClaims, McpPrincipal } from './principal.js';
import { principalFromClaims } from './principal.js';
import { TokenRejection } from './token-rejection.js';

/** How long a fetched signing key is trusted before the JWKS is read again. */
const KEY_CACHE_MAX_AGE_MS = 10 * 60_000;

/**
 * The Passport strategy behind {@link McpAuthGuard}: `passport-jwt` verifying with
 * keys from the issuer's JWKS (`jwks-rsa`, cached and rate limited), a pinned
 * algorithm list, exact `iss`, one of our audiences, and `exp`/`nbf` with leeway.
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
  ) {
    super({
      jwtFromRequest: (req: IncomingMessage) => {
        const credentials = bearerCredentialsOf(req);
        return credentials.kind === 'bearer' ? credentials.token : null;
      },
      secretOrKeyProvider: jwksRsa.passportJwtSecret({
        jwksUri: options.jwksUri,
        cache: true,
        cacheMaxAge: KEY_CACHE_MAX_AGE_MS,
        rateLimit: true,
        jwksRequestsPerMinute: 10,
        timeout: 5_000,
      }),
      algorithms: [...options.algorithms],
      issuer: options.issuer,
      audience: [...options.audiences] as [string, ...string[]],
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
  async validate(_req: IncomingMessage, claims: JwtClaims): Promise<McpPrincipal> {
    if (typeof claims.exp !== 'number') throw new TokenRejection('missing_expiry');
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new TokenRejection('missing_subject');
    const principal = principalFromClaims(claims, this.options.claimsToScopes);
    if (this.options.validateUser && !(await this.options.validateUser(principal))) {
      throw this.challenges.unknownUser();
    }
    return principal;
  }
}
