import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Takes `X-Powered-By` off the module's answers (the MCP endpoint and the protected resource
 * metadata). Express adds it before any middleware runs; naming the framework tells an
 * attacker which exploits to try and helps no client. Applied by {@link McpAuthModule} to its
 * own routes only; disable it application-wide with `app.disable('x-powered-by')`.
 */
export function withoutPoweredBy(_req: IncomingMessage, res: ServerResponse, next: () => void): void {
  res.removeHeader('X-Powered-By');
  next();
}
