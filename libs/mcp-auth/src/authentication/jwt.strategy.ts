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
import { jwtKeyHeaderOf } from './jwt-header.js';
import { VerifiedTokenCache } from './keys/verified-token-cache.js';
import { issuedAtRejection } from './issued-at.js';
import { admitKnownUser } from './known-user.js';
import type { JwtClaims, McpPrincipal } from './principal.js';
import { principalFromClaims } from './principal.js';
import { confirmationRejection } from './dpop/token-confirmation.js';
import { TokenRejection } from './token-rejection.js';

/**
 * The Passport strategy behind {@link McpAuthGuard}: `passport-jwt` verifying with
 * the key of the token's issuer (routed by {@link IssuerRegistry}: its JWKS, kept as
 * parsed `KeyObject`s by its key stores, or its shared secret with HS256 only), the
 * algorithms pinned per issuer, `exp`/`nbf` with leeway,
 * and that issuer's exact `iss`, audiences and claim rules. A token verified before is
 * answered from the {@link VerifiedTokenCache} (unless `tokenCache: false`), with
 * `exp`/`nbf` checked again and `validateUser` run again.
 *
 * Registered under a name unique to its module instance, so that several
 * `McpAuthModule`s (or the application's own `'jwt'` strategy) never collide.
 */
@Injectable()
export class McpJwtStrategy extends PassportStrategy(passportJwt.Strategy) {
  private readonly verifiedTokens: VerifiedTokenCache<McpPrincipal> | undefined;

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
      // passport-jwt's types say string | Buffer; jsonwebtoken takes a KeyObject as is (and then parses nothing).
      secretOrKeyProvider: issuers.keyFor as unknown as passportJwt.SecretOrKeyProvider,
      algorithms: issuers.algorithms as passportJwt.StrategyOptionsWithRequest['algorithms'],
      // passport-jwt verifies every token with one set of options: the union of all
      // issuers here, narrowed to the token's own issuer in validate().
      issuer: issuers.issuerIdentifiers,
      audience: issuers.audiences as [string, ...string[]],
      jsonWebTokenOptions: { clockTolerance: options.clockToleranceSeconds },
      passReqToCallback: true,
    });
    passport.use(strategyName, this as unknown as passport.Strategy);
    if (options.tokenCache) {
      this.verifiedTokens = new VerifiedTokenCache({
        maxEntries: options.tokenCache.maxEntries,
        clockToleranceSeconds: options.clockToleranceSeconds,
      });
      for (const store of issuers.keyStores) this.verifiedTokens.watch(store);
    }
  }

  /**
   * Passport's entry point. A token that passed full verification before skips the
   * signature check; `validateUser` runs for every request.
   */
  override authenticate(req: IncomingMessage, options?: object): void {
    const credentials = bearerCredentialsOf(req);
    // The guard looked the token up already and was counted; this look is not counted again.
    const remembered = credentials.kind === 'bearer' ? this.rememberedPrincipal(credentials.token, false) : undefined;
    if (!remembered) return super.authenticate(req as never, options);
    Promise.resolve(remembered).then(
      (principal) => this.success(principal),
      (error: unknown) => this.error(error as Error),
    );
  }

  /**
   * The principal of a token that passed full verification before and is still valid
   * (see {@link VerifiedTokenCache}), or undefined when the token must be verified.
   * A promise only when `validateUser` is configured.
   */
  rememberedPrincipal(token: string, counted = true): McpPrincipal | Promise<McpPrincipal> | undefined {
    const principal = this.verifiedTokens?.get(token, counted);
    return principal && admitKnownUser(principal, this.options, this.challenges);
  }

  /** The verified-token cache's hits and misses (for metrics); undefined with `tokenCache: false`. */
  get tokenCacheStats(): { readonly hits: number; readonly misses: number } | undefined {
    return this.verifiedTokens?.stats;
  }

  /** Keeps the mixin from registering us as the global `'jwt'` strategy; see the constructor. */
  getPassportInstance() {
    return new passport.Passport();
  }

  /** Called by `passport-jwt` once signature, `iss`, `aud`, `exp` and `nbf` have passed; `iat` is held like `nbf` here. */
  validate(req: IncomingMessage, claims: JwtClaims): McpPrincipal | Promise<McpPrincipal> {
    if (typeof claims.exp !== 'number') throw new TokenRejection('missing_expiry');
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new TokenRejection('missing_subject');
    const issuedAt = issuedAtRejection(claims.iat, this.options.clockToleranceSeconds);
    if (issuedAt) throw issuedAt;
    const unreadableBinding = confirmationRejection(claims);
    if (unreadableBinding) throw unreadableBinding;
    const issuer = this.issuers.verified(req, claims);
    const principal = principalFromClaims(claims, issuer.claimsToScopes, issuer.subjectOf);
    this.remember(req, claims, principal);
    return admitKnownUser(principal, this.options, this.challenges);
  }

  private remember(req: IncomingMessage, claims: JwtClaims, principal: McpPrincipal): void {
    const credentials = bearerCredentialsOf(req);
    if (!this.verifiedTokens || credentials.kind !== 'bearer') return;
    const header = jwtKeyHeaderOf(req, credentials.token);
    const keys = this.issuers.keyStoreOf(req);
    if (header && keys) this.verifiedTokens.remember(credentials.token, { value: principal, header, claims, keys });
  }
}
