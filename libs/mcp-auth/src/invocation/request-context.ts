import { ContextIdFactory } from '@nestjs/core';
import type { ContextId, ExternalContextCreator } from '@nestjs/core';
import { REQUEST_CONTEXT_ID } from '@nestjs/core/internal';
import { platformRequestOf } from '../http/node-exchange.js';
import type { McpCallContext } from './mcp-call-context.js';

type Carrier = Record<PropertyKey, unknown>;

/**
 * The DI context a call of a request-scoped provider resolves in: the HTTP request that
 * carried it, as Nest's router has it (`ContextIdFactory.getByRequest`, so a
 * `ContextIdStrategy` and durable providers work as on routes). What `@Inject(REQUEST)`
 * gives is that request (Express's, or Fastify's `FastifyRequest`), with the caller's
 * principal on the Node request as `user`. A request Nest's router already gave an id
 * (a request-scoped enhancer on the endpoint) keeps it: one request, one set of instances.
 * A call that came over no HTTP request gets a context of its own, with the call as `REQUEST`.
 */
export function contextIdOf(call: McpCallContext, creator: ExternalContextCreator, durable: boolean): ContextId {
  const carrier = call.request ? (platformRequestOf(call.request) as Carrier) : undefined;
  if (!carrier) {
    const contextId = ContextIdFactory.create();
    creator.registerRequestProvider(call, contextId);
    return contextId;
  }
  const known = carrier[REQUEST_CONTEXT_ID] as ContextId | undefined;
  if (known) return known;
  const contextId = ContextIdFactory.getByRequest(carrier);
  Object.defineProperty(carrier, REQUEST_CONTEXT_ID, { value: contextId, enumerable: false, writable: false, configurable: false });
  // As Nest's router registers it (router-explorer's getContextId).
  creator.registerRequestProvider(durable ? contextId.payload : Object.assign(carrier, contextId.payload), contextId);
  return contextId;
}
