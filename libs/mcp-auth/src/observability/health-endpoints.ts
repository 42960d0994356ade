import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpReadiness } from './readiness.js';
import { refusedForeignCaller } from './foreign-caller.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/*
 * Both answer a request with a foreign `Origin` with 403, as the MCP endpoint does, and any
 * `Host`: orchestrators and load balancers probe under names and addresses of their own, and
 * what a DNS-rebinding page could read here (ok, or not ready and why) tells it nothing the
 * protected resource metadata does not.
 */

/** Liveness: the process answers. Nothing else is checked, so an identity provider outage never gets the instance restarted. */
export function livenessEndpoint(allowedOrigins: readonly string[]): Handler {
  const rules = { allowedOrigins };
  return (req, res) => {
    if (!refusedForeignCaller(req, res, rules)) answer(res, 200, { status: 'ok' });
  };
}

/** Readiness: 200 when {@link McpReadiness} says so, else 503 with the reason as JSON. */
export function readinessEndpoint(readiness: McpReadiness, allowedOrigins: readonly string[]): Handler {
  const rules = { allowedOrigins };
  return (req, res) => {
    if (refusedForeignCaller(req, res, rules)) return;
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
