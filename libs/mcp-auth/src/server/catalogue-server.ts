import { ProtocolError, ProtocolErrorCode, Server } from '@modelcontextprotocol/server';
import type { Implementation, JSONRPCRequest, LoggingLevel, Result, ServerContext, ServerOptions } from '@modelcontextprotocol/server';
import type { RequestStateSeal } from '../asking/request-state-seal.js';

/** The handler contexts whose handler was reached: the SDK found their params valid. */
const reached = new WeakSet<ServerContext>();

/** `handler`, noting for {@link CatalogueServer} that the SDK dispatched to it. */
export function reachable<Request, Answer>(
  handler: (request: Request, ctx: ServerContext) => Answer,
): (request: Request, ctx: ServerContext) => Answer {
  return (request, ctx) => {
    reached.add(ctx);
    return handler(request, ctx);
  };
}

/**
 * The SDK's low-level `Server`, answering a request whose params do not fit its method's
 * schema with JSON-RPC -32602 Invalid params, as JSON-RPC prescribes. SDK 2.4 throws that
 * parse failure as a plain error before the handler runs, which becomes -32603 Internal
 * error (typescript-sdk issue #2284, fix proposed in #2492): a plain error from a request
 * that never reached its handler (see {@link reachable}) is that failure. Errors from the
 * handlers themselves keep their codes.
 */
export class CatalogueServer extends Server {
  /**
   * The level a 2025 client asked for with `logging/setLevel` (see {@link followLogLevel});
   * undefined while it asked for none: then no log message is sent.
   */
  logLevel?: LoggingLevel;

  /**
   * Told each level the client sets (a session keeps it in the fleet's record, with `redis`);
   * the client is answered once it is kept, so its next request finds it on any replica.
   */
  onLogLevel?: (level: LoggingLevel) => Promise<void>;

  /** @param seal seals the `requestState` of the calls this server serves that ask for input. */
  constructor(
    info: Implementation,
    options: ServerOptions,
    readonly seal?: RequestStateSeal,
  ) {
    super(info, options);
  }

  /**
   * Serves `logging/setLevel` (2025 revisions; revision 2026-07-28 carries a level per request
   * and has no such method): the level is this server's, so its session's. The SDK's own
   * handler would keep it too, but its `log()` sends every message to a client that never set a
   * level; a call's `log()` sends nothing until the client asks.
   */
  followLogLevel(): void {
    this.setRequestHandler('logging/setLevel', async (request) => {
      this.logLevel = request.params.level;
      await this.onLogLevel?.(request.params.level);
      return {};
    });
  }

  protected override _wrapHandler(
    method: string,
    handler: (request: JSONRPCRequest, ctx: ServerContext) => Promise<Result>,
  ): (request: JSONRPCRequest, ctx: ServerContext) => Promise<Result> {
    const wrapped = super._wrapHandler(method, handler);
    return async (request, ctx) => {
      try {
        return await wrapped(request, ctx);
      } catch (error) {
        if (error instanceof ProtocolError || reached.has(ctx) || !(error instanceof Error)) throw error;
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid params for ${method}: ${error.message}`);
      }
    };
  }

  /**
   * SDK 2.4 builds a `ConnectionClosed` error on every close, to fail whatever is still
   * pending with. A per-request server closes after every answer, and capturing that
   * error's stack trace cost about 13 µs a request (2–3% of it) for a trace that only
   * ever points here. Errors built while the close runs (that one, and any an abort
   * listener builds synchronously) carry their name, code and message without a stack.
   */
  protected override _onclose(): void {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super._onclose();
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}
