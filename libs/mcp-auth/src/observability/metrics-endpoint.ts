import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpMetrics } from './mcp-metrics.js';

/**
 * Answers a Prometheus scrape with the module's registry: `GET` (and `HEAD`) only, never
 * cached, nothing about the caller read. Used as middleware on the application's server and as
 * the whole handler of the metrics port.
 */
export function metricsEndpoint(metrics: McpMetrics): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
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
