import { ExecutionContext, HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuditTrail } from '../audit/audit-trail.js';
import { nodeRequestOf, nodeResponseOf } from '../http/node-exchange.js';
import { RateLimiter } from '../limits/rate-limiter.js';
import { MCP_AUTH_STRATEGY_NAMES, PRINCIPAL_REQUEST_PROPERTY } from '../mcp-auth.constants.js';
import { deferReplayClaim } from '../limits/replay-claim.js';
import { AUTHORIZATION_FORMAT, bearerCredentialsOf } from './bearer-credentials.js';
import { Challenges } from './challenges.js';
import { DpopBinding } from './dpop/dpop-binding.js';
import type { DpopVerdict, PresentedToken } from './dpop/dpop-binding.js';
import { DpopRejection } from './dpop/dpop-rejection.js';
import { IssuerRegistry } from './identity-providers/issuer-registry.js';
import { jwtHeaderAlgorithm } from './jwt-header.js';
import { McpJwtStrategy } from './jwt.strategy.js';
import type { McpPrincipal } from './principal.js';
import { TokenRejection, rejectionFromVerifierError } from './token-rejection.js';
import type { AuthScheme } from './www-authenticate.js';

/**
 * Authenticates every request to the MCP endpoint with the configured Passport
 * strategies, tried in order (API keys, introspection, JWTs; see
 * `credential-strategies.ts`), then holds the token to the way it was presented
 * (`Bearer`, or `DPoP` with a proof: {@link DpopBinding}), and turns each failure into the
 * challenge the specification prescribes, whichever step refused.
 * Like `@nestjs/passport`'s guards, override `handleRequest` to customise.
 */
@Injectable()
export class McpAuthGuard extends AuthGuard() {
  private readonly logger = new Logger('McpAuth');

  constructor(
    private readonly challenges: Challenges,
    private readonly issuers: IssuerRegistry,
    @Inject(MCP_AUTH_STRATEGY_NAMES) strategyNames: string[],
    private readonly audit: AuditTrail,
    private readonly limiter: RateLimiter,
    /** Null when no issuer's JWTs are verified here (API keys or introspection only). */
    @Inject(McpJwtStrategy) private readonly strategy: McpJwtStrategy | null,
    private readonly dpop: DpopBinding,
  ) {
    super({ defaultStrategy: strategyNames, session: false });
  }

  /**
   * The Node request on either platform (Fastify's `request.raw`): Passport and the
   * strategies read it, and the principal is left on it for the endpoint to find.
   */
  override getRequest(context: ExecutionContext): IncomingMessage {
    return nodeRequestOf(context.switchToHttp().getRequest());
  }

  /** The Node response on either platform (Fastify's `reply.raw`). */
  getResponse(context: ExecutionContext): ServerResponse {
    return nodeResponseOf(context.switchToHttp().getResponse());
  }

  override canActivate(context: ExecutionContext) {
    // The MCP endpoint's HTTP request was authenticated here already; as an MCP (or other) guard it lets everything through.
    if (context.getType() !== 'http') return true;
    const req = this.getRequest(context);
    const credentials = bearerCredentialsOf(req);
    // Decide what needs no token work before Passport runs. These cost nothing and spend no
    // per-address budget: any web page can make a browser send them (an image's URL).
    if (credentials.kind === 'missing') throw this.refusedWithoutTokenWork(req, 'missing_token', this.challenges.missingToken());
    if (credentials.kind === 'malformed') {
      throw this.refusedWithoutTokenWork(req, 'invalid_request', this.challenges.invalidRequest(credentials.reason));
    }
    // A server where no issuer accepts DPoP answers the DPoP scheme as it always did: not a header it reads.
    if (credentials.scheme === 'DPoP' && !this.dpop.enabled) {
      throw this.refusedWithoutTokenWork(req, 'invalid_request', this.challenges.invalidRequest(AUTHORIZATION_FORMAT));
    }
    // A token verified before needs none of Passport's per-request plumbing; handleRequest still decides.
    const remembered = this.strategy?.rememberedPrincipal(credentials.token);
    if (!remembered) {
      // Token work ahead: counted per address while in flight, so the failure budget bounds it under concurrency too.
      const release = this.limiter.admitAuthentication(req);
      return Promise.resolve(super.canActivate(context) as Promise<boolean>)
        .then(() => this.bound(context, credentials))
        .finally(release);
    }
    const admit = (principal: McpPrincipal) => {
      (req as IncomingMessage & Record<string, unknown>)[PRINCIPAL_REQUEST_PROPERTY] = this.handleRequest(
        null,
        principal,
        undefined,
        context,
      );
      return this.bound(context, credentials);
    };
    if (!(remembered instanceof Promise)) return admit(remembered);
    return remembered.then(admit, (error: unknown) => {
      this.handleRequest(error, false, undefined, context); // throws the matching challenge
      return false;
    });
  }

  /**
   * The last step, after the token was found valid (by any strategy, or the verified-token
   * cache): its binding. A bearer request returns at once; a DPoP request is admitted once its
   * proof passed, and proofs are new to the fleet too (with Redis: one round trip, inside the
   * rate limiter's when it counts this principal in Redis anyway).
   */
  private bound(context: ExecutionContext, presented: PresentedToken): true | Promise<true> {
    const req = this.getRequest(context);
    const principal = (req as IncomingMessage & Record<string, unknown>)[PRINCIPAL_REQUEST_PROPERTY] as McpPrincipal | undefined;
    if (!principal) return true; // a handleRequest override admitted without a principal: nothing to bind
    const verdict = this.dpop.check(req, presented, principal);
    if (!(verdict instanceof Promise)) return this.settled(context, presented, verdict);
    return verdict.then((settled) => this.settled(context, presented, settled));
  }

  private settled(context: ExecutionContext, presented: PresentedToken, verdict: DpopVerdict): true | Promise<true> {
    const req = this.getRequest(context);
    if (verdict === undefined) return true;
    if (verdict instanceof DpopRejection || verdict instanceof TokenRejection) throw this.refusedBinding(req, presented, verdict);
    if (verdict.nextNonce) this.getResponse(context).setHeader('DPoP-Nonce', verdict.nextNonce);
    if (!this.dpop.sharesReplayRecord) return true;
    const replayed = () => this.refusedBinding(req, presented, new DpopRejection('dpop_proof_replayed'));
    if (this.limiter.carriesReplayClaims) {
      deferReplayClaim(req, { ...this.dpop.replayKey(verdict.proofId), refusal: replayed });
      return true;
    }
    return this.dpop.claimInFleet(verdict.proofId).then((fresh) => {
      if (!fresh) throw replayed();
      return true as const;
    });
  }

  /** A request whose token was valid but not presented as its binding demands: the principal is taken back. */
  private refusedBinding(req: IncomingMessage, presented: PresentedToken, rejection: DpopRejection | TokenRejection): HttpException {
    delete (req as IncomingMessage & Record<string, unknown>)[PRINCIPAL_REQUEST_PROPERTY];
    return this.refused(req, rejection.code, this.challengeFor(rejection, presented.scheme));
  }

  /** The challenge answering `rejection`; with the `DPoP` scheme it hands over the current nonce (when nonces are on). */
  private challengeFor(rejection: DpopRejection | TokenRejection, scheme: AuthScheme): HttpException {
    const headers = scheme === 'DPoP' ? this.dpop.nonceHeader() : undefined;
    return rejection instanceof DpopRejection
      ? this.challenges.dpopRefused(rejection, scheme, headers)
      : this.challenges.invalidToken(rejection, scheme, headers);
  }

  override handleRequest<TUser = McpPrincipal>(err: unknown, user: unknown, info: unknown, context: ExecutionContext): TUser {
    if (user && !err) return user as TUser;
    const req = this.getRequest(context);
    if (err instanceof HttpException) throw this.refused(req, 'unknown_user', err);
    const failure = err ?? mostRelevantFailure(info);
    const credentials = bearerCredentialsOf(req);
    const alg = credentials.kind === 'bearer' ? jwtHeaderAlgorithm(credentials.token) : undefined;
    const rejection = rejectionFromVerifierError(failure, alg, this.issuers.algorithms);
    if (!(failure instanceof TokenRejection) && err) {
      // An unexpected failure (e.g. a throwing validateUser): refuse, and say why in the log, never the token.
      this.logger.warn(`Token validation failed unexpectedly: ${(err as Error)?.message ?? String(err)}`);
    }
    const scheme = credentials.kind === 'bearer' ? credentials.scheme : 'Bearer';
    throw this.refused(req, rejection.code, this.challengeFor(rejection, scheme));
  }

  /** Records a refusal after token work (audit trail, per-IP failure budget) and returns the exception to throw. */
  protected refused(req: IncomingMessage, reason: string, exception: HttpException): HttpException {
    this.audit.refusedRequest(req, reason);
    this.limiter.authenticationFailed(req);
    return exception;
  }

  /** Records a refusal that needed no token work (no credential, a malformed header): audited, not counted. */
  protected refusedWithoutTokenWork(req: IncomingMessage, reason: string, exception: HttpException): HttpException {
    this.audit.refusedRequest(req, reason);
    return exception;
  }
}

/**
 * With several strategies Passport reports every failure, in chain order. A strategy
 * that recognised the credential but refused it gives a {@link TokenRejection}; the
 * last such one is the most specific (e.g. introspection after an API-key miss).
 * Otherwise the JWT verifier's failure (last in the chain) explains it.
 */
function mostRelevantFailure(info: unknown): unknown {
  if (!Array.isArray(info)) return info;
  const rejections = info.filter((entry) => entry instanceof TokenRejection);
  return rejections.length > 0 ? rejections[rejections.length - 1] : info[info.length - 1];
}
