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

/**
 * Whether an application on this HTTP adapter may send `X-Powered-By` at all: Express does
 * unless the application turned it off (`app.disable('x-powered-by')`, as the example does);
 * Fastify never does. Where it cannot, {@link withoutPoweredBy} is not applied: a Nest
 * middleware costs every request a few microseconds (on Fastify through its middleware
 * layer, about 2% of a call in a profile of the benchmark).
 */
export function mayAddPoweredBy(adapter: { getType(): string; getInstance<T>(): T } | undefined): boolean {
  if (!adapter) return true;
  if (adapter.getType() === 'fastify') return false;
  const instance = adapter.getInstance<{ enabled?: (setting: string) => boolean }>();
  return typeof instance?.enabled !== 'function' || instance.enabled('x-powered-by');
}
