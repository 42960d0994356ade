import type { AuthInfo } from '@modelcontextprotocol/server';
import type { IncomingMessage } from 'node:http';

/** What the endpoint knows about the HTTP request that carried MCP messages, and the handlers of those messages need. */
export interface CarryingRequest {
  /** The Node request (Fastify's `request.raw`), its body already read. */
  readonly request: IncomingMessage;
  /** The era the endpoint served the request in. */
  readonly era: 'modern' | 'legacy';
  /** The JSON-RPC message (or batch) the endpoint read from its body. */
  readonly message?: unknown;
}

/**
 * The SDK hands a handler the `authInfo` the endpoint gave it for the request (the same
 * object, on both eras and on the direct legacy path), and nothing else of the HTTP
 * exchange: keyed by that object, what the endpoint knew reaches the handlers without
 * showing in the `authInfo` a tool receives. Entries go with their request.
 */
const carried = new WeakMap<AuthInfo, CarryingRequest>();

/** Records what carried the messages served with `authInfo`. */
export function carryRequest(authInfo: AuthInfo, carrying: CarryingRequest): void {
  carried.set(authInfo, carrying);
}

/** What carried the message a handler serves, if it came over the endpoint. */
export function carryingRequestOf(authInfo: AuthInfo | undefined): CarryingRequest | undefined {
  return authInfo === undefined ? undefined : carried.get(authInfo);
}
