import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { McpPrincipal } from '../authentication/principal.js';
import { nodeRequestOf } from '../http/node-exchange.js';
import { MCP_AUTH_RESOLVED_OPTIONS, PRINCIPAL_REQUEST_PROPERTY } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { LimitExceededException } from './limit-exceeded.exception.js';
import { RateLimiter } from './rate-limiter.js';

/**
 * Runs before any token work: refuses oversized header sections (431) and addresses
 * over their budget of failed authentications (429).
 */
@Injectable()
export class PreAuthenticationLimitsGuard implements CanActivate {
  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly limiter: RateLimiter,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true; // HTTP requests only (see McpAuthGuard)
    const req = nodeRequestOf(context.switchToHttp().getRequest());
    if (headerBytesOf(req) > this.options.maxHeaderBytes) {
      throw new LimitExceededException(431, `Request Header Fields Too Large: at most ${this.options.maxHeaderBytes} bytes`);
    }
    this.limiter.checkAddress(req);
    return true;
  }
}

/** Runs after authentication: the per-principal rate limit (429 with `Retry-After`). */
@Injectable()
export class PrincipalRateLimitGuard implements CanActivate {
  constructor(private readonly limiter: RateLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true; // HTTP requests only (see McpAuthGuard)
    const req = nodeRequestOf(context.switchToHttp().getRequest()) as IncomingMessage & { [PRINCIPAL_REQUEST_PROPERTY]?: McpPrincipal };
    const principal = req[PRINCIPAL_REQUEST_PROPERTY];
    if (principal) await this.limiter.consume(req, principal);
    return true;
  }
}

/** Size of the header section as received: each `name: value` line with its CRLF. */
export function headerBytesOf(req: IncomingMessage): number {
  let bytes = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) bytes += Buffer.byteLength(raw[i]) + Buffer.byteLength(raw[i + 1] ?? '') + 4;
  return bytes;
}
