import type { IncomingMessage } from 'node:http';

/**
 * The caller's address: Express's `req.ip` when present (it honours the application's
 * `trust proxy` setting, so `X-Forwarded-For` counts only behind a trusted proxy),
 * else the socket's peer address.
 */
export function clientAddressOf(req: IncomingMessage): string {
  const ip = (req as IncomingMessage & { ip?: unknown }).ip;
  return typeof ip === 'string' && ip !== '' ? ip : (req.socket?.remoteAddress ?? 'unknown');
}
