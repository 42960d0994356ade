import type { IncomingMessage } from 'node:http';
import { PLATFORM_REQUEST } from '../http/node-exchange.js';

/**
 * The caller's address as the platform sees it: Express's `req.ip`, or Fastify's
 * `request.ip` (each honours the application's proxy setting, `trust proxy` or
 * `trustProxy`, so `X-Forwarded-For` counts only behind a trusted proxy), else the
 * socket's peer address. On Fastify, Nest's middleware layer (`@fastify/middie`) copies
 * `ip` onto the Node request when the route has middleware, as the module's have; the
 * Fastify request the boundary left there is read otherwise.
 */
export function clientAddressOf(req: IncomingMessage): string {
  const ip = (req as IncomingMessage & { ip?: unknown }).ip ?? (req as { [PLATFORM_REQUEST]?: { ip?: unknown } })[PLATFORM_REQUEST]?.ip;
  return typeof ip === 'string' && ip !== '' ? ip : (req.socket?.remoteAddress ?? 'unknown');
}
