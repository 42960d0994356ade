import { Controller, Get, Options, Res, Type } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { ProtectedResourceMetadataService } from './protected-resource-metadata.js';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * Serves the protected resource metadata at the path-suffixed location for the
 * endpoint (`/.well-known/oauth-protected-resource/mcp`, tried first by clients)
 * and at the root location. Public: no token, CORS open to any origin.
 */
export function createProtectedResourceMetadataController(endpointPath: string): Type<unknown> {
  const paths = [...new Set([`${WELL_KNOWN}${endpointPath === '/' ? '' : endpointPath}`, WELL_KNOWN])];

  @Controller()
  class ProtectedResourceMetadataController {
    constructor(private readonly metadata: ProtectedResourceMetadataService) {}

    @Get(paths)
    serve(@Res() res: ServerResponse): void {
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
    preflight(@Res() res: ServerResponse): void {
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
