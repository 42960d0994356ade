import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpMetrics } from './mcp-metrics.js';
import { refusedForeignCaller } from './foreign-caller.js';

/**
 * Answers a Prometheus scrape with the module's registry: `GET` (and `HEAD`) only, never
 * cached, nothing about the caller read but its `Origin` and `Host` (a page of another origin,
 * or of another name rebound to this address, is refused with 403: see {@link refusedForeignCaller};
 * `metrics.allowedHosts` adds names). Used as middleware on the application's server and as the
 * whole handler of the metrics port.
 */
export function metricsEndpoint(
  metrics: McpMetrics,
  allowedOrigins: readonly string[],
): (req: IncomingMessage, res: ServerResponse) => void {
  const rules = { allowedOrigins, allowedHosts: metrics.options.allowedHosts };
  return (req, res) => {
    if (refusedForeignCaller(req, res, rules)) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
        .end('Method Not Allowed\n');
      return;
    }
    metrics.scrape().then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      () => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end('Metrics could not be collected\n');
      },
    );
  };
}
