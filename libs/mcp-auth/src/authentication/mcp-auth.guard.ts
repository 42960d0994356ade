import { ExecutionContext, HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { IncomingMessage } from 'node:http';
import { AuditTrail } from '../audit/audit-trail.js';
import { RateLimiter } from '../limits/rate-limiter.js';
import { MCP_AUTH_RESOLVED_OPTIONS, MCP_AUTH_STRATEGY_NAME } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { bearerCredentialsOf } from './bearer-credentials.js';
import { Challenges } from './challenges.js';
import { jwtHeaderAlgorithm } from './jwt-header.js';
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
  ) {
    super({ defaultStrategy: strategyName, session: false });
  }

  override canActivate(context: ExecutionContext) {
    const req = context.switchToHttp().getRequest<IncomingMessage>();
    const credentials = bearerCredentialsOf(req);
    // Decide what needs no token work before Passport runs.
    if (credentials.kind === 'missing') throw this.refused(req, 'missing_token', this.challenges.missingToken());
    if (credentials.kind === 'malformed') throw this.refused(req, 'invalid_request', this.challenges.invalidRequest(credentials.reason));
    return super.canActivate(context);
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
