import { MAX_BATCH_SIZE } from '@modelcontextprotocol/sdk/server/requestBody.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { StreamableHTTPServerTransportOptions } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage, JSONRPCRequest, MessageExtraInfo, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The replies one POST is waiting for, in the order its requests came. */
interface PendingPost {
  readonly res: ServerResponse;
  readonly ids: readonly RequestId[];
  readonly replies: Map<RequestId, JSONRPCMessage>;
}

/**
 * The MCP SDK's Streamable HTTP server transport with a direct path for the common
 * case: a POST of JSON-RPC requests answered as JSON (`jsonResponse`, the default).
 *
 * The SDK's Node transport turns every request into a web `Request`, runs the
 * web-standard transport and turns its `Response` back (web streams, a `Headers`
 * object, a new request listener per call): about a fifth of the CPU of a tool call.
 * The direct path validates exactly as the SDK does (`Accept`, batch size, each
 * message against the SDK's own `JSONRPCMessageSchema`, `MCP-Protocol-Version`),
 * hands the messages to the protocol server, and writes the replies with
 * `res.end()`: the same status, headers and body the SDK would write.
 *
 * Everything else is the SDK transport's, created when first needed: `initialize`,
 * notification-only POSTs, server-sent-event responses, GET streams, DELETE, and every
 * request the SDK would refuse (so refusals keep the SDK's exact wording).
 */
export class McpHttpTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

  private sdk?: StreamableHTTPServerTransport;
  private readonly pending = new Map<RequestId, PendingPost>();
  private closed = false;

  constructor(private readonly options: StreamableHTTPServerTransportOptions) {}

  get sessionId(): string | undefined {
    return this.sdk?.sessionId;
  }

  async start(): Promise<void> {
    // Nothing to start: the SDK transport is started when it is created.
  }

  /** Answers one HTTP request of the MCP endpoint (`body`: the parsed JSON of a POST). */
  async handleRequest(req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse, body?: unknown): Promise<void> {
    const direct = req.method === 'POST' ? this.directMessages(req, body) : undefined;
    if (!direct) return this.sdkTransport().handleRequest(req, res, body);
    const { messages, ids } = direct;
    const post: PendingPost = { res, ids, replies: new Map() };
    for (const id of ids) this.pending.set(id, post);
    // A session outlives its requests: forget one whose client left before its replies (a cancelled request gets none).
    if (this.options.sessionIdGenerator !== undefined) res.once('close', () => this.forget(post));
    const extra: MessageExtraInfo = {
      authInfo: req.auth,
      requestInfo: {
        headers: req.headers,
        // Built only if a handler reads it.
        get url() {
          return requestUrl(req);
        },
      },
    };
    for (const message of messages) this.onmessage?.(message, extra);
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const isReply = ('result' in message || 'error' in message) && 'id' in message;
    const id = isReply ? message.id : options?.relatedRequestId;
    const post = id === undefined ? undefined : this.pending.get(id);
    if (!post) return this.sdk?.send(message, options);
    // Notifications about a request answered as JSON have nowhere to go (the SDK drops them too).
    if (!isReply) return;
    post.replies.set(id!, message);
    if (post.replies.size < post.ids.length) return;
    this.forget(post);
    this.reply(post);
  }

  private forget(post: PendingPost): void {
    for (const id of post.ids) if (this.pending.get(id) === post) this.pending.delete(id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Like the SDK in JSON mode: open POSTs get no reply (the endpoint answers them at shutdown).
    this.pending.clear();
    if (this.sdk) await this.sdk.close();
    else this.onclose?.();
  }

  /** The messages of a POST the direct path answers and its request ids, or undefined to leave it to the SDK transport. */
  private directMessages(req: IncomingMessage, body: unknown): { messages: JSONRPCMessage[]; ids: RequestId[] } | undefined {
    if (this.closed || this.options.enableJsonResponse !== true) return undefined;
    // An unusual Host or target: the SDK's request conversion decides (it answers 400 to a bad one).
    if (!isSimpleHost(req.headers.host) || !req.url?.startsWith('/') || req.url.includes('\\')) return undefined;
    const accept = req.headers.accept;
    if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
    const version = req.headers['mcp-protocol-version'];
    if (version !== undefined && (typeof version !== 'string' || !SUPPORTED_PROTOCOL_VERSIONS.includes(version))) return undefined;
    // Without a session, the SDK transport must have opened one (and checks the header against it).
    if (
      this.options.sessionIdGenerator !== undefined &&
      (this.sdk?.sessionId === undefined || req.headers['mcp-session-id'] !== this.sdk.sessionId)
    ) {
      return undefined;
    }
    const raw = Array.isArray(body) ? body : [body];
    if (raw.length === 0 || raw.length > MAX_BATCH_SIZE) return undefined;
    const messages: JSONRPCMessage[] = [];
    for (const each of raw) {
      const parsed = JSONRPCMessageSchema.safeParse(each);
      // `initialize` (valid or not) is the SDK transport's: it opens sessions and answers re-initialisation.
      if (!parsed.success || ('method' in parsed.data && parsed.data.method === 'initialize')) return undefined;
      messages.push(parsed.data);
    }
    const ids = messages.filter(isRequest).map((request) => request.id);
    // Only notifications or responses (202), a request id already waiting, or one repeated: the SDK's behaviour applies.
    if (ids.length === 0 || ids.some((id) => this.pending.has(id)) || new Set(ids).size !== ids.length) return undefined;
    return { messages, ids };
  }

  private reply({ res, ids, replies }: PendingPost): void {
    if (res.writableEnded || res.destroyed) return;
    const body = JSON.stringify(ids.length === 1 ? replies.get(ids[0]) : ids.map((id) => replies.get(id)));
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    if (this.sessionId !== undefined) headers['mcp-session-id'] = this.sessionId;
    res.writeHead(200, headers).end(body);
  }

  /** The SDK transport, created and wired to this one on first use. */
  private sdkTransport(): StreamableHTTPServerTransport {
    if (this.sdk) return this.sdk;
    const sdk = new StreamableHTTPServerTransport(this.options);
    sdk.onmessage = (message, extra) => this.onmessage?.(message, extra);
    sdk.onerror = (error) => this.onerror?.(error);
    sdk.onclose = () => {
      this.closed = true;
      this.pending.clear();
      this.onclose?.();
    };
    this.sdk = sdk;
    void sdk.start();
    return sdk;
  }
}

/** A message that passed `JSONRPCMessageSchema` is a request when it has both a method and an id. */
function isRequest(message: JSONRPCMessage): message is JSONRPCRequest {
  return 'method' in message && 'id' in message;
}

const SIMPLE_HOST = /^[A-Za-z0-9._-]+(?::(\d{1,5}))?$/;

/**
 * A `Host` header of a name or IPv4 address and an optional valid port: one the SDK's
 * request conversion (`@hono/node-server`) accepts too. Anything else (IPv6 literals,
 * junk) takes the SDK's path, which refuses a bad one with 400.
 */
function isSimpleHost(host: string | undefined): boolean {
  const match = host === undefined ? null : SIMPLE_HOST.exec(host);
  return match !== null && (match[1] === undefined || Number(match[1]) <= 65535);
}

/** The request's absolute URL, as the SDK's web request would carry it (`Host` checked by {@link isSimpleHost}). */
function requestUrl(req: IncomingMessage): URL {
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  return new URL(req.url!, `${scheme}://${req.headers.host}`);
}
