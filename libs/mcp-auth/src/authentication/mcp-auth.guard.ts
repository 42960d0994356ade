import { ExecutionContext, HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { IncomingMessage } from 'node:http';
import { AuditTrail } from '../audit/audit-trail.js';
import { RateLimiter } from '../limits/rate-limiter.js';
import { MCP_AUTH_RESOLVED_OPTIONS, MCP_AUTH_STRATEGY_NAME, PRINCIPAL_REQUEST_PROPERTY } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { bearerCredentialsOf } from './bearer-credentials.js';
import { Challenges } from './challenges.js';
import { jwtHeaderAlgorithm } from './jwt-header.js';
import { McpJwtStrategy } from './jwt.strategy.js';
import type { McpPrincipal } from './principal.js';
import { TokenRejection, rejectionFromVerifierError } from './token-rejection.js';

/**
 * Authenticates every request to the MCP endpoint with {@link McpJwtStrategy}
 * and turns each failure into the challenge the specification prescribes.
 * Like `@nestjs/passport`'s guards, override `handleRequest` to customise.
 */
@Injectable()
export class McpAuthGuard extends AuthGuard() {
  private readonly logger = new Logger('McpAuth');

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly resolved: ResolvedMcpAuthOptions,
    private readonly challenges: Challenges,
    @Inject(MCP_AUTH_STRATEGY_NAME) strategyName: string,
    private readonly audit: AuditTrail,
    private readonly limiter: RateLimiter,
    private readonly strategy: McpJwtStrategy,
  ) {
    super({ defaultStrategy: strategyName, session: false });
  }

  override canActivate(context: ExecutionContext) {
    const req = context.switchToHttp().getRequest<IncomingMessage>();
    const credentials = bearerCredentialsOf(req);
    // Decide what needs no token work before Passport runs.
    if (credentials.kind === 'missing') throw this.refused(req, 'missing_token', this.challenges.missingToken());
    if (credentials.kind === 'malformed') throw this.refused(req, 'invalid_request', this.challenges.invalidRequest(credentials.reason));
    // A token verified before needs none of Passport's per-request plumbing; handleRequest still decides.
    const remembered = this.strategy.rememberedPrincipal(credentials.token);
    if (!remembered) return super.canActivate(context);
    const admit = (principal: McpPrincipal) => {
      (req as IncomingMessage & Record<string, unknown>)[PRINCIPAL_REQUEST_PROPERTY] = this.handleRequest(null, principal, undefined, context);
      return true;
    };
    if (!(remembered instanceof Promise)) return admit(remembered);
    return remembered.then(admit, (error: unknown) => {
      this.handleRequest(error, false, undefined, context); // throws the matching challenge
      return false;
    });
  }

  override handleRequest<TUser = McpPrincipal>(err: unknown, user: unknown, info: unknown, context: ExecutionContext): TUser {
    if (user && !err) return user as TUser;
    const req = context.switchToHttp().getRequest<IncomingMessage>();
    if (err instanceof HttpException) throw this.refused(req, 'unknown_user', err);
    const failure = err ?? info;
    const credentials = bearerCredentialsOf(req);
    const alg = credentials.kind === 'bearer' ? jwtHeaderAlgorithm(credentials.token) : undefined;
    const rejection = rejectionFromVerifierError(failure, alg, this.resolved.algorithms);
    if (!(failure instanceof TokenRejection) && err) {
      // An unexpected failure (e.g. a throwing validateUser): refuse, and say why in the log, never the token.
      this.logger.warn(`Token validation failed unexpectedly: ${(err as Error)?.message ?? String(err)}`);
    }
    throw this.refused(req, rejection.code, this.challenges.invalidToken(rejection));
  }

  /** Records a refusal (audit trail, per-IP failure budget) and returns the exception to throw. */
  protected refused(req: IncomingMessage, reason: string, exception: HttpException): HttpException {
    this.audit.refusedRequest(req, reason);
    this.limiter.authenticationFailed(req);
    return exception;
  }
}
