import { PerRequestHTTPServerTransport, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type {
  AuthInfo,
  JSONRPCMessage,
  JSONRPCNotification,
  JSONRPCRequest,
  MessageClassification,
  RequestId,
  TransportSendOptions,
} from '@modelcontextprotocol/server';
import type { ServerResponse } from 'node:http';
import { EVENT_STREAM_HEADERS, KEEP_ALIVE_COMMENT, KEEP_ALIVE_MS, eventFrame } from './event-stream.js';

/** The SDK's `HeaderMismatch` code (SEP-2243); `ProtocolErrorCode` has no member for it in 2.4. */
const HEADER_MISMATCH = -32020;

/**
 * The HTTP status of an error the protocol layer answers before any handler ran (the
 * "dispatch window": method not found, an era mismatch) and of a missing client
 * capability at any time: SDK 2.4's `LADDER_ERROR_HTTP_STATUS`, which its per-request
 * transport indexes the same way. Internal to the SDK, hence repeated here; every other
 * error stays in-band on 200. The differential test (`modern-direct-path.spec.ts`) holds
 * the two to the same answers.
 */
const LADDER_STATUS: ReadonlyMap<number, number> = new Map([
  [ProtocolErrorCode.ParseError, 400],
  [ProtocolErrorCode.InvalidRequest, 400],
  [ProtocolErrorCode.MethodNotFound, 404],
  [ProtocolErrorCode.UnsupportedProtocolVersion, 400],
  [ProtocolErrorCode.MissingRequiredClientCapability, 400],
  [HEADER_MISMATCH, 400],
]);

/** One request on its way through the server, and the Node response waiting for its answer. */
interface Exchange {
  readonly res: ServerResponse;
  /** True while the message is being handed to the server: an error sent then is the ladder's, not a handler's. */
  dispatching: boolean;
  answered: boolean;
  /** The client left first: whatever the server still sends for this request goes nowhere. */
  abandoned: boolean;
  /** Set once a notification about the request upgraded its answer to a stream. */
  keepAlive?: ReturnType<typeof setInterval>;
}

/**
 * The transport of one long-lived protocol server on the modern direct path
 * ({@link ModernDirectPath}): many 2026-07-28 requests at a time, each answered straight
 * to its Node response, exactly as the SDK's per-request transport would answer it
 * (`responseMode: 'auto'`): JSON with the ladder's status, or, when the server sends a
 * notification about the request before its result, a server-sent-event stream.
 *
 * It extends the SDK's `PerRequestHTTPServerTransport` for one reason: connecting a
 * `Server` to that class binds the server to the classified modern revision (the SDK's
 * public way of making an instance serve 2026-07-28; `createMcpHandler` does the same to
 * its per-request servers). None of the parent's single-exchange machinery is used.
 *
 * Requests are keyed by their JSON-RPC id, as the protocol layer keys them: the caller
 * ({@link ModernServerPool}) never hands one server two requests with the same id at once.
 */
export class ModernJsonTransport extends PerRequestHTTPServerTransport {
  private readonly exchanges = new Map<RequestId, Exchange>();
  private closing = false;

  /** `onIdle` runs whenever the last request in flight was answered or abandoned. */
  constructor(
    private readonly classification: MessageClassification,
    private readonly onIdle: () => void = () => undefined,
  ) {
    super({ classification });
  }

  /** True while a request with this id is in flight here. */
  holds(id: RequestId): boolean {
    return this.exchanges.has(id);
  }

  get inFlight(): number {
    return this.exchanges.size;
  }

  /**
   * Hands `request` to the connected server with the caller's `authInfo` (per message:
   * one server serves every caller) and answers on `res`. A client that leaves before
   * the answer cancels the request, which aborts its handler (what closing a per-request
   * server does on the SDK's path).
   */
  dispatch(request: JSONRPCRequest, authInfo: AuthInfo, res: ServerResponse): void {
    const id = request.id;
    const exchange: Exchange = { res, dispatching: true, answered: false, abandoned: false };
    this.exchanges.set(id, exchange);
    res.once('close', () => {
      if (!exchange.answered) this.abandon(id, exchange);
    });
    try {
      this.onmessage?.(request, { classification: this.classification, authInfo });
    } catch (error) {
      // The SDK's entry answers a failure of its own with 500 and the request's id.
      if (!exchange.answered) this.answer(id, exchange, 500, internalError(id));
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
    } finally {
      exchange.dispatching = false;
    }
  }

  /** Never called on this transport: requests arrive through {@link dispatch}. */
  override handleMessage(): Promise<Response> {
    return Promise.reject(new Error('ModernJsonTransport serves requests through dispatch()'));
  }

  /**
   * From the server: a request's answer, or a notification about it. Not `async`: an
   * error sent while the message is still being dispatched must be seen as such.
   */
  override send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const isResponse = 'id' in message && ('result' in message || 'error' in message);
    const id = isResponse ? (message.id as RequestId) : options?.relatedRequestId;
    const exchange = id === undefined ? undefined : this.exchanges.get(id);
    if (!exchange || id === undefined) {
      if (isResponse) this.onerror?.(new Error(`Received a response for an unknown request id: ${String(message.id)}`));
      return Promise.resolve();
    }
    if (!isResponse) {
      if (!exchange.abandoned) this.stream(exchange, message);
      return Promise.resolve();
    }
    const code = 'error' in message ? message.error.code : undefined;
    const ladderStatus =
      code !== undefined && (exchange.dispatching || code === ProtocolErrorCode.MissingRequiredClientCapability)
        ? LADDER_STATUS.get(code)
        : undefined;
    if (exchange.keepAlive !== undefined) {
      this.finish(id, exchange, () => exchange.res.end(eventFrame(message)));
    } else {
      this.answer(id, exchange, ladderStatus ?? 200, message);
    }
    return Promise.resolve();
  }

  /** Shutdown: the server's running handlers are aborted (the SDK's close path); streamed answers end. */
  override async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const exchange of this.exchanges.values()) {
      exchange.abandoned = true;
      if (exchange.keepAlive !== undefined) {
        clearInterval(exchange.keepAlive);
        exchange.res.end();
      }
    }
    this.exchanges.clear();
    this.onclose?.();
  }

  /** Writes the JSON answer, as the SDK's `Response.json()` reaches the wire through the endpoint. */
  private answer(id: RequestId, exchange: Exchange, status: number, message: JSONRPCMessage): void {
    this.finish(id, exchange, () => {
      const res = exchange.res;
      if (res.headersSent) return void res.end();
      const body = JSON.stringify(message);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    });
  }

  /** The request is done: its answer is written (unless the client left) and its id is free again. */
  private finish(id: RequestId, exchange: Exchange, write: () => void): void {
    exchange.answered = true;
    if (exchange.keepAlive !== undefined) clearInterval(exchange.keepAlive);
    if (this.exchanges.get(id) === exchange) this.exchanges.delete(id);
    const res = exchange.res;
    if (!exchange.abandoned && !res.writableEnded && !res.destroyed) write();
    if (this.exchanges.size === 0) this.onIdle();
  }

  /**
   * A notification before the result: the SDK's transport answers with an event stream
   * from then on (headers at once, a frame per message, a keep-alive comment every 15 s).
   */
  private stream(exchange: Exchange, message: JSONRPCMessage): void {
    const res = exchange.res;
    if (exchange.keepAlive === undefined) {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(200, EVENT_STREAM_HEADERS);
      res.flushHeaders();
      exchange.keepAlive = setInterval(() => res.write(KEEP_ALIVE_COMMENT), KEEP_ALIVE_MS);
      exchange.keepAlive.unref();
    }
    res.write(eventFrame(message));
  }

  /**
   * The client left before the answer: the request is cancelled through the protocol
   * layer's own `notifications/cancelled`, which aborts the handler's signal. Its id stays
   * taken until that cancellation has run (a few microtasks), so that a new request with
   * the same id cannot be the one cancelled.
   */
  private abandon(id: RequestId, exchange: Exchange): void {
    exchange.abandoned = true;
    if (exchange.keepAlive !== undefined) clearInterval(exchange.keepAlive);
    if (this.closing) return;
    const cancel: JSONRPCNotification = {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: id, reason: 'Connection closed' },
    };
    this.onmessage?.(cancel, { classification: this.classification });
    setImmediate(() => {
      if (this.exchanges.get(id) !== exchange) return;
      this.exchanges.delete(id);
      if (this.exchanges.size === 0) this.onIdle();
    });
  }
}

/** The SDK entry's `internalServerErrorResponse` body. */
function internalError(id: RequestId): JSONRPCMessage {
  return { jsonrpc: '2.0', error: { code: ProtocolErrorCode.InternalError, message: 'Internal server error' }, id };
}
