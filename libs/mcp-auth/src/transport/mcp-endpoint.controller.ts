import {
  Controller,
  Delete,
  Get,
  HttpException,
  Inject,
  Logger,
  Options,
  Patch,
  Post,
  Put,
  Req,
  Res,
  Type,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { BearerChallengeFilter } from '../authentication/bearer-challenge.filter.js';
import { McpAuthGuard } from '../authentication/mcp-auth.guard.js';
import { LeaveBodyUnparsed } from '../http/fastify-unparsed-body.js';
import { nodeRequestOf, takeOverResponse } from '../http/node-exchange.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { answerPreflight, isOriginAllowed } from './cors.js';
import { JsonRpcErrorCode, writeJsonRpcError } from './json-rpc-response.js';
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
 * Each handler takes the Node request and response from the platform (Express's as
 * they are, Fastify's `raw` ones, the reply hijacked), and no body is parsed before
 * the endpoint reads it, on either platform ({@link LeaveBodyUnparsed}).
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
    @LeaveBodyUnparsed()
    preflight(@Req() request: unknown, @Res() response: unknown): void {
      const req = nodeRequestOf(request);
      const res = takeOverResponse(response);
      if (!isOriginAllowed(req, this.options.allowedOrigins)) {
        return writeJsonRpcError(res, 403, -32000, 'Forbidden: origin not allowed');
      }
      answerPreflight(req, res, 'GET, POST, DELETE, OPTIONS');
    }

    @Post()
    @UseGuards(...ENDPOINT_GUARDS)
    @LeaveBodyUnparsed()
    post(@Req() request: unknown, @Res() response: unknown): Promise<void> {
      const req = nodeRequestOf(request);
      const res = takeOverResponse(response);
      this.inFlight.begin(res);
      return answering(res, () => this.endpoint.post(req, res));
    }

    @Get()
    @UseGuards(...ENDPOINT_GUARDS)
    @LeaveBodyUnparsed()
    stream(@Req() request: unknown, @Res() response: unknown): Promise<void> {
      const req = nodeRequestOf(request);
      const res = takeOverResponse(response);
      return answering(res, () => this.endpoint.get(req, res));
    }

    @Delete()
    @UseGuards(...ENDPOINT_GUARDS)
    @LeaveBodyUnparsed()
    terminate(@Req() request: unknown, @Res() response: unknown): Promise<void> {
      const req = nodeRequestOf(request);
      const res = takeOverResponse(response);
      return answering(res, () => this.endpoint.delete(req, res));
    }

    /**
     * The methods a client may try on a resource it cannot change that way: 405. Each is
     * named, as Fastify takes no catch-all route beside the ones above on the same path;
     * other methods get the application's 404, on either platform.
     */
    @Put()
    @LeaveBodyUnparsed()
    put(@Res() response: unknown): void {
      methodNotAllowed(takeOverResponse(response));
    }

    @Patch()
    @LeaveBodyUnparsed()
    patch(@Res() response: unknown): void {
      methodNotAllowed(takeOverResponse(response));
    }
  }
  return McpEndpointController;
}

const logger = new Logger('McpAuth');

/**
 * Runs an endpoint method; a failure no filter answers (a bug, not a refusal) gets a
 * JSON-RPC internal error. The response is already taken over, and on Fastify the
 * hijacked reply would leave Nest's own 500 unsent (an empty 200 instead).
 */
async function answering(res: ServerResponse, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (error instanceof HttpException) throw error; // the refusals: the filters write them
    logger.error(`MCP endpoint failed: ${(error as Error)?.message ?? String(error)}`);
    writeJsonRpcError(res, 500, JsonRpcErrorCode.InternalError, 'Internal error');
  }
}

function methodNotAllowed(res: ServerResponse): void {
  writeJsonRpcError(res, 405, -32000, 'Method not allowed', { Allow: 'GET, POST, DELETE, OPTIONS' });
}
