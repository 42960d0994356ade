import type { IncomingMessage, ServerResponse } from 'node:http';
import { isOriginAllowed } from '../transport/cors.js';
import { isHostAllowed } from '../transport/host-check.js';

/** Whom the metrics and health endpoints answer: they need no token, so a browser page must not read them. */
export interface CallerRules {
  /** The MCP endpoint's `allowedOrigins`: a request with another `Origin` is refused, as there. */
  readonly allowedOrigins: readonly string[];
  /** Host names the request may be addressed to (see `isHostAllowed`); no `Host` rule when undefined. */
  readonly allowedHosts?: readonly string[];
}

/**
 * Answers 403 and returns true when the request comes from a page the server does not answer:
 * an `Origin` not allowed (the MCP endpoint's rule), or a `Host` not allowed (DNS rebinding: a
 * same-origin GET from a page of the attacker's name carries no `Origin`). Nothing else is read.
 */
export function refusedForeignCaller(req: IncomingMessage, res: ServerResponse, rules: CallerRules): boolean {
  const refusal = !isOriginAllowed(req, rules.allowedOrigins)
    ? 'origin not allowed'
    : rules.allowedHosts && !isHostAllowed(req, rules.allowedHosts)
      ? 'host not allowed'
      : undefined;
  if (refusal === undefined) return false;
  res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end(`Forbidden: ${refusal}\n`);
  return true;
}
