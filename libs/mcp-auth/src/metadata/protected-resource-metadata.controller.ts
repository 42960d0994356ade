import { Controller, Get, Options, Req, Res, Type } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { nodeRequestOf, takeOverResponse } from '../http/node-exchange.js';
import { ProtectedResourceMetadataService } from './protected-resource-metadata.js';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * Serves the protected resource metadata at the path-suffixed location for the
 * endpoint (`/.well-known/oauth-protected-resource/mcp`, tried first by clients)
 * and at the root location. Public: no token, CORS open to any origin.
 *
 * The suffixed location follows the resource URL's path (what clients derive it from)
 * and the endpoint's own path (when a proxy maps one onto the other); the resource URL
 * is only known once the options are resolved, hence routes for any suffix, checked per request.
 * The handlers write Node's response on either platform (Fastify's `reply.raw`, hijacked).
 */
export function createProtectedResourceMetadataController(endpointPath: string): Type<unknown> {
  const paths = [WELL_KNOWN, ...suffixedPaths()];

  @Controller()
  class ProtectedResourceMetadataController {
    constructor(private readonly metadata: ProtectedResourceMetadataService) {}

    @Get(paths)
    serve(@Req() request: unknown, @Res() response: unknown): void {
      const req = nodeRequestOf(request);
      const res = takeOverResponse(response);
      if (!this.metadata.isServedAt(pathOf(req), endpointPath)) return notFound(res);
      const body = this.metadata.json();
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        'Cache-Control': 'public, max-age=300',
        'Access-Control-Allow-Origin': '*',
      });
      res.end(body);
    }

    @Options(paths)
    preflight(@Req() request: unknown, @Res() response: unknown): void {
      const req = nodeRequestOf(request);
      const res = takeOverResponse(response);
      if (!this.metadata.isServedAt(pathOf(req), endpointPath)) return notFound(res);
      res.writeHead(204, {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'GET, OPTIONS',
        'Access-Control-Allow-Headers': 'Content-Type, MCP-Protocol-Version',
        'Access-Control-Max-Age': '600',
      });
      res.end();
    }
  }
  return ProtectedResourceMetadataController;
}

/** The deepest resource path served (`/a/b/c/d/e/f/g/h`); deeper than any deployment seen. */
const MAX_SUFFIX_SEGMENTS = 8;

/**
 * `/.well-known/oauth-protected-resource/:s1`, `.../:s1/:s2`, and so on: one route per
 * depth, as the two platforms share no wildcard syntax (Express 5 wants `*name`,
 * Fastify a bare `*`) while both take named segments.
 */
function suffixedPaths(): string[] {
  const paths: string[] = [];
  for (let depth = 1, suffix = ''; depth <= MAX_SUFFIX_SEGMENTS; depth++) {
    suffix += `/:s${depth}`;
    paths.push(`${WELL_KNOWN}${suffix}`);
  }
  return paths;
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function notFound(res: ServerResponse): void {
  const body = JSON.stringify({ error: 'not_found', error_description: 'No protected resource metadata at this path' });
  res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
