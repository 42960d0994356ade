import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Where the middleware notes when a request arrived (ms since the epoch). */
const ARRIVED_AT = Symbol('mcp-auth:arrived-at');

/**
 * How long a connection may still drain after its answer, when the request's body was left
 * unread, before it is destroyed. A client that stops sending on the FIN it gets at once
 * closes the connection itself; one that keeps trickling is cut off.
 */
const LINGER_MS = 1_000;

type ArrivedRequest = IncomingMessage & { [ARRIVED_AT]?: number };

/**
 * Ends the connection of a request answered before its body arrived in full: a refusal by a
 * guard (401, 403, 429), the endpoint's 415, anything answered without reading the body.
 * Node would otherwise read the rest of the body at the client's pace to keep the connection
 * alive (for up to 300 s on Express; for ever on Fastify, whose `requestTimeout` is 0), so a
 * client without a token could hold connections open by trickling bodies nobody will read.
 * Notes when the request arrived, which is when `bodyTimeoutMs` starts counting. Applied by
 * {@link McpAuthModule} to its own routes, before any guard.
 */
export function closeUnreadBodies(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  (req as ArrivedRequest)[ARRIVED_AT] = Date.now();
  res.once('finish', () => {
    if (!req.complete) endConnection(req.socket);
  });
  next();
}

/** When the request arrived (ms since the epoch), as {@link closeUnreadBodies} noted it; now, for a request it did not see. */
export function arrivalOf(req: IncomingMessage): number {
  return (req as ArrivedRequest)[ARRIVED_AT] ?? Date.now();
}

/**
 * Half-closes the connection once the answer is written (the client sees the end of it), and
 * destroys it shortly after if the client keeps sending. Closing it outright while the body is
 * still arriving would make the kernel answer the next bytes with a reset, which can cost a
 * client the answer it has not read yet.
 */
function endConnection(socket: Socket | null): void {
  if (!socket || socket.destroyed) return;
  socket.end();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
