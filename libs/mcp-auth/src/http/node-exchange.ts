import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The platform boundary. Express hands Nest Node's own `IncomingMessage` and
 * `ServerResponse`; Fastify wraps them (`request.raw`, `reply.raw`). The module's
 * guards, filters and controllers turn what Nest gives them into the Node objects
 * here, so that the endpoint and everything below it read and write Node objects on
 * either platform. The objects are told apart by their shape: neither framework is imported.
 */

/** What of a Fastify request the boundary uses. */
interface WrappedRequest {
  readonly raw: IncomingMessage;
  readonly ip?: string;
}

/** What of a Fastify reply the boundary uses. */
interface WrappedReply {
  readonly raw: ServerResponse;
  hijack(): unknown;
}

/**
 * Where the Fastify request is left on its Node request: its `ip` honours Fastify's
 * `trustProxy` as Express's `req.ip` honours `trust proxy` (see `clientAddressOf`).
 */
export const PLATFORM_REQUEST = Symbol('mcp-auth:platform-request');

type NodeRequest = IncomingMessage & { [PLATFORM_REQUEST]?: WrappedRequest };

function isWrapped<T extends { raw: unknown }>(value: unknown): value is T {
  return typeof value === 'object' && value !== null && typeof (value as { raw?: unknown }).raw === 'object';
}

/** The Node request behind what the platform gave Nest. */
export function nodeRequestOf(request: unknown): IncomingMessage {
  if (!isWrapped<WrappedRequest>(request)) return request as IncomingMessage;
  const raw = request.raw as NodeRequest;
  raw[PLATFORM_REQUEST] ??= request;
  return raw;
}

/** What the platform gave Nest for this Node request: Fastify's request, or (Express) the Node request itself. */
export function platformRequestOf(req: IncomingMessage): object {
  return (req as NodeRequest)[PLATFORM_REQUEST] ?? req;
}

/** The Node response behind what the platform gave Nest, for headers only: the platform may still answer. */
export function nodeResponseOf(response: unknown): ServerResponse {
  return isWrapped<WrappedReply>(response) ? response.raw : (response as ServerResponse);
}

/**
 * The Node response, taken over to write the answer directly: on Fastify the reply is
 * hijacked, so that Fastify does not answer a second time once the handler returns.
 */
export function takeOverResponse(response: unknown): ServerResponse {
  if (!isWrapped<WrappedReply>(response)) return response as ServerResponse;
  if (typeof response.hijack === 'function') response.hijack();
  return response.raw;
}
