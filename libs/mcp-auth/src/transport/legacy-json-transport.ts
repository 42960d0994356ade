import { WebStandardStreamableHTTPServerTransport, isInitializeRequest, parseJSONRPCMessage } from '@modelcontextprotocol/server';
import type {
  AuthInfo,
  JSONRPCMessage,
  MessageExtraInfo,
  RequestId,
  Transport,
  TransportSendOptions,
  WebStandardStreamableHTTPServerTransportOptions,
} from '@modelcontextprotocol/server';
import type { ServerResponse } from 'node:http';
import { EVENT_STREAM_HEADERS, KEEP_ALIVE_COMMENT, KEEP_ALIVE_MS, eventFrame } from './event-stream.js';

/** The reply a direct request is waiting for. */
interface PendingReply {
  readonly res: ServerResponse;
  /** Set once a message about the request went out first: the answer is a stream from then on. */
  streaming?: boolean;
}

/** What the direct path needs to know about an HTTP request besides its body. */
export interface DirectRequest {
  readonly accept: string | undefined;
  readonly sessionId: string | undefined;
  readonly protocolVersion: string | undefined;
}

/**
 * The SDK's web-standard Streamable HTTP transport (2025 revisions) with a direct path
 * for the commonest exchange: one JSON-RPC request answered as JSON
 * (`enableJsonResponse`, the default).
 *
 * On that path the SDK's transport would build a web `Request`, validate it, hand the
 * message to the server, build a `Response.json()` and let the endpoint read it back
 * through a web stream: `npm run bench:sdk` measures that exchange at about four times
 * the cost of the protocol server's own dispatch, most of it the web `Request`/`Response`
 * machinery. The direct path runs the transport's checks in its order and with its own
 * parser (`Accept`, the message against the SDK's `JSONRPCMessageSchema`, the session id,
 * `MCP-Protocol-Version` against the versions the server announced), hands the message to
 * the server through this `Transport` (the SDK's public seam), and writes the answer the
 * SDK would have written: status 200, `Content-Type: application/json`, `Mcp-Session-Id`
 * on a session, the reply serialised by `JSON.stringify` (what `Response.json` does).
 *
 * Everything else is the SDK transport's (`handleRequest`): `initialize`, batches,
 * notifications and responses, server-sent-event answers, GET streams, DELETE, and every
 * request its checks would refuse, so refusals keep the SDK's exact answers.
 * `legacy-json-transport.spec.ts` sends the same requests both ways and requires the same answers.
 */
export class LegacyJsonTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;

  /** The SDK's transport, for everything but the direct path. */
  readonly sdk: WebStandardStreamableHTTPServerTransport;
  private readonly pending = new Map<RequestId, PendingReply>();
  private supportedVersions: readonly string[] = [];
  private closed = false;
  /** A stateless transport serves one request, as the SDK's does. */
  private used = false;

  constructor(private readonly options: WebStandardStreamableHTTPServerTransportOptions) {
    this.sdk = new WebStandardStreamableHTTPServerTransport(options);
    this.sdk.onmessage = (message, extra) => this.onmessage?.(message, extra);
    this.sdk.onerror = (error) => this.onerror?.(error);
    this.sdk.onclose = () => {
      this.closed = true;
      this.pending.clear();
      this.onclose?.();
    };
  }

  get sessionId(): string | undefined {
    return this.sdk.sessionId;
  }

  start(): Promise<void> {
    return this.sdk.start();
  }

  /** Called by the server when it connects: the versions `MCP-Protocol-Version` may name. */
  setSupportedProtocolVersions(versions: string[]): void {
    this.supportedVersions = versions;
    this.sdk.setSupportedProtocolVersions(versions);
  }

  /**
   * Answers `message` directly when it is the direct path's kind of exchange and returns
   * true; returns false, having done nothing, when the SDK's transport must answer it.
   */
  tryDirect(request: DirectRequest, message: unknown, authInfo: AuthInfo, res: ServerResponse): boolean {
    if (this.closed || this.used || this.options.enableJsonResponse !== true || Array.isArray(message)) return false;
    const accept = request.accept;
    if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) return false;
    let parsed: JSONRPCMessage;
    try {
      parsed = parseJSONRPCMessage(message);
    } catch {
      return false;
    }
    // Only requests: notifications and responses are answered 202 by the SDK; initialize opens sessions there.
    if (!('method' in parsed) || !('id' in parsed) || isInitializeRequest(parsed) || this.pending.has(parsed.id)) return false;
    if (this.options.sessionIdGenerator !== undefined && (this.sdk.sessionId === undefined || request.sessionId !== this.sdk.sessionId)) {
      return false;
    }
    if (request.protocolVersion !== undefined && !this.supportedVersions.includes(request.protocolVersion)) return false;

    const id = parsed.id;
    if (this.options.sessionIdGenerator === undefined) this.used = true;
    const pending: PendingReply = { res };
    this.pending.set(id, pending);
    // A session outlives its requests: forget one whose client left before its reply, and stop its method.
    res.once('close', () => {
      if (this.pending.get(id) !== pending) return;
      this.pending.delete(id);
      this.cancel(id);
    });
    this.onmessage?.(parsed, { authInfo });
    return true;
  }

  /** The SDK transport's own handling of a request (everything the direct path leaves to it). */
  handleRequest(request: Request, options?: { authInfo?: AuthInfo; parsedBody?: unknown }): Promise<Response> {
    if (this.used) throw new Error('Stateless transport cannot be reused across requests. Create a new transport per request.');
    return this.sdk.handleRequest(request, options);
  }

  /**
   * Tells the server the client gave up on request `id` (it closed the connection before the
   * reply): the SDK's own cancellation, so the method's signal aborts and no late reply is
   * written. For a request the SDK's transport serves (a stream it answers), the endpoint calls
   * this when that stream closes first.
   */
  cancel(id: RequestId): void {
    if (this.closed) return;
    const notification: JSONRPCMessage = {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: id, reason: 'The client closed the connection before the answer' },
    };
    this.onmessage?.(notification);
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const isReply = ('result' in message || 'error' in message) && 'id' in message;
    const id = isReply ? message.id : options?.relatedRequestId;
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (!pending) return this.sdk.send(message, options);
    const { res } = pending;
    if (isReply) this.pending.delete(id!);
    if (res.writableEnded || res.destroyed) return;
    if (!isReply || pending.streaming) return this.stream(pending, message, isReply);
    const body = JSON.stringify(message);
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    if (this.sdk.sessionId !== undefined) headers['mcp-session-id'] = this.sdk.sessionId;
    res.writeHead(200, headers).end(body);
  }

  /** Writes `message` as an event of the request's stream, opening it first; the reply ends it. */
  private stream(pending: PendingReply, message: JSONRPCMessage, isReply: boolean): void {
    const { res } = pending;
    if (!pending.streaming) {
      pending.streaming = true;
      res.writeHead(
        200,
        this.sdk.sessionId === undefined ? EVENT_STREAM_HEADERS : { ...EVENT_STREAM_HEADERS, 'mcp-session-id': this.sdk.sessionId },
      );
      const keepAlive = setInterval(() => {
        if (!res.writableEnded && !res.destroyed) res.write(KEEP_ALIVE_COMMENT);
      }, KEEP_ALIVE_MS).unref();
      res.once('close', () => clearInterval(keepAlive));
    }
    res.write(eventFrame(message));
    if (isReply) res.end();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Like the SDK in JSON mode: open requests get no reply (the endpoint answers them at shutdown).
    this.pending.clear();
    await this.sdk.close();
  }
}
