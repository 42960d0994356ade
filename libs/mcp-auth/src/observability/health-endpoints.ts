import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpReadiness } from './readiness.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Liveness: the process answers. Nothing else is checked, so an identity provider outage never gets the instance restarted. */
export const livenessEndpoint: Handler = (_req, res) => answer(res, 200, { status: 'ok' });

/** Readiness: 200 when {@link McpReadiness} says so, else 503 with the reason as JSON. */
export function readinessEndpoint(readiness: McpReadiness): Handler {
  return (_req, res) => {
    const report = readiness.report();
    answer(res, report.ready ? 200 : 503, report.body);
  };
}

function answer(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    // A cached "ready" would keep traffic coming to an instance that is shutting down.
    'Cache-Control': 'no-store',
  });
  res.end(text);
}
