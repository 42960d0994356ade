import { Controller, Get, Options, Req, Res, Type } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProtectedResourceMetadataService } from './protected-resource-metadata.js';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * Serves the protected resource metadata at the path-suffixed location for the
 * endpoint (`/.well-known/oauth-protected-resource/mcp`, tried first by clients)
 * and at the root location. Public: no token, CORS open to any origin.
 *
 * The suffixed location follows the resource URL's path (what clients derive it from)
 * and the endpoint's own path (when a proxy maps one onto the other); the resource URL
 * is only known once the options are resolved, hence one wildcard route checked per request.
 */
export function createProtectedResourceMetadataController(endpointPath: string): Type<unknown> {
  const paths = [WELL_KNOWN, `${WELL_KNOWN}/*suffix`];

  @Controller()
  class ProtectedResourceMetadataController {
    constructor(private readonly metadata: ProtectedResourceMetadataService) {}

    @Get(paths)
    serve(@Req() req: IncomingMessage, @Res() res: ServerResponse): void {
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
    preflight(@Req() req: IncomingMessage, @Res() res: ServerResponse): void {
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
