import { RequestMethod } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProtectedResourceMetadataService } from './protected-resource-metadata.js';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * Where the metadata may be asked for: the root location and any suffix under it, for GET (and HEAD) and the
 * CORS preflight. Which suffix is served follows the resource URL's path (what clients derive it from) and the
 * endpoint's own path (when a proxy maps one onto the other); the resource URL is only known once the options
 * are resolved (`forRootAsync`), hence one wildcard path, checked per request. The module applies the handler to
 * these as middleware, in the path syntax both platforms' middleware share (Express 5 and Fastify's routes do
 * not share one): one path per method, and no route lines in the application's startup log.
 */
export const PROTECTED_RESOURCE_METADATA_ROUTES: { path: string; method: RequestMethod }[] = [RequestMethod.GET, RequestMethod.OPTIONS].map(
  (method) => ({
    path: `${WELL_KNOWN}{/*suffix}`,
    method,
  }),
);

/**
 * Serves the protected resource metadata (RFC 9728) at the path-suffixed location for the endpoint
 * (`/.well-known/oauth-protected-resource/mcp`, tried first by clients) and at the root location, and
 * answers its CORS preflight. Public: no token, CORS open to any origin. Any other suffix gets a JSON 404.
 * Writes Node's response on either platform (middleware get Node's request and response on both).
 */
export function protectedResourceMetadataEndpoint(
  metadata: ProtectedResourceMetadataService,
  endpointPath: string,
): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  return (req, res, next) => {
    // Express adds X-Powered-By before any middleware runs; the module's answers name no framework.
    res.removeHeader('X-Powered-By');
    if (!metadata.isServedAt(pathOf(req), endpointPath)) return notFound(res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'GET, OPTIONS',
        'Access-Control-Allow-Headers': 'Content-Type, MCP-Protocol-Version',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const body = metadata.json();
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'public, max-age=300',
      'Access-Control-Allow-Origin': '*',
    });
    res.end(body);
  };
}

/** The request's path as the client sent it (Express strips a middleware's mount path from `url`, not from `originalUrl`). */
function pathOf(req: IncomingMessage): string {
  const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function notFound(res: ServerResponse): void {
  const body = JSON.stringify({ error: 'not_found', error_description: 'No protected resource metadata at this path' });
  res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
