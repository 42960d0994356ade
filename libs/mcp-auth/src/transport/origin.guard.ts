import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable } from '@nestjs/common';
import { nodeRequestOf, nodeResponseOf } from '../http/node-exchange.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { applyCorsHeaders, isOriginAllowed } from './cors.js';

/**
 * Refuses requests whose `Origin` is present and not allowed (403), before any
 * token work: the MCP transport's defence against DNS rebinding. Allowed browser
 * origins get CORS headers on every answer, challenges included.
 */
@Injectable()
export class OriginGuard implements CanActivate {
  constructor(@Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true; // HTTP requests only (see McpAuthGuard)
    const http = context.switchToHttp();
    const req = nodeRequestOf(http.getRequest());
    if (!isOriginAllowed(req, this.options.allowedOrigins)) {
      throw new ForbiddenException({ error: 'invalid_origin', error_description: 'This origin is not allowed to call the MCP endpoint' });
    }
    // On the Node response: the platform merges them into whatever answers, its own error responses included.
    applyCorsHeaders(req, nodeResponseOf(http.getResponse()));
    return true;
  }
}
