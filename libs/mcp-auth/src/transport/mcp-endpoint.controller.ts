import { All, Controller, Delete, Get, Inject, Options, Post, Req, Res, Type, UseFilters, UseGuards } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BearerChallengeFilter } from '../authentication/bearer-challenge.filter.js';
import { McpAuthGuard } from '../authentication/mcp-auth.guard.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { answerPreflight, isOriginAllowed } from './cors.js';
import { writeJsonRpcError } from './json-rpc-response.js';
import { LimitExceededFilter } from '../limits/limit-exceeded.filter.js';
import { PreAuthenticationLimitsGuard, PrincipalRateLimitGuard } from '../limits/request-limits.guards.js';
import { InFlightRequests } from './in-flight-requests.js';
import { McpEndpoint } from './mcp-endpoint.js';
import { OriginGuard } from './origin.guard.js';

/** Limits that need no token, the origin check, authentication, then the per-principal rate limit. */
const ENDPOINT_GUARDS = [PreAuthenticationLimitsGuard, OriginGuard, McpAuthGuard, PrincipalRateLimitGuard];

/**
 * Creates the controller for the MCP endpoint at `path`. Controllers' paths are
 * fixed when their module is declared, so each module instance gets its own class.
 * Every method but the CORS preflight runs the guards of {@link ENDPOINT_GUARDS}.
 */
export function createMcpEndpointController(path: string): Type<unknown> {
  @Controller(path)
  @UseFilters(BearerChallengeFilter, LimitExceededFilter)
  class McpEndpointController {
    constructor(
      private readonly endpoint: McpEndpoint,
      private readonly inFlight: InFlightRequests,
      @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    ) {}

    @Options()
    preflight(@Req() req: IncomingMessage, @Res() res: ServerResponse): void {
      if (!isOriginAllowed(req, this.options.allowedOrigins)) {
        return writeJsonRpcError(res, 403, -32000, 'Forbidden: origin not allowed');
      }
      answerPreflight(req, res, 'GET, POST, DELETE, OPTIONS');
    }

    @Post()
    @UseGuards(...ENDPOINT_GUARDS)
    post(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
      this.inFlight.begin(res);
      return this.endpoint.post(req, res);
    }

    @Get()
    @UseGuards(...ENDPOINT_GUARDS)
    stream(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
      return this.endpoint.get(req, res);
    }

    @Delete()
    @UseGuards(...ENDPOINT_GUARDS)
    terminate(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
      return this.endpoint.delete(req, res);
    }

    /** Any other method: registered last, so it only sees what the handlers above did not take. */
    @All()
    unsupported(@Res() res: ServerResponse): void {
      writeJsonRpcError(res, 405, -32000, 'Method not allowed', { Allow: 'GET, POST, DELETE, OPTIONS' });
    }
  }
  return McpEndpointController;
}
