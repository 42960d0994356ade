import { Inject, Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { createMcpHandler, isInitializeRequest } from '@modelcontextprotocol/server';
import type { AuthInfo, McpHttpHandler } from '@modelcontextprotocol/server';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuditTrail, sessionOf } from '../audit/audit-trail.js';
import { bearerCredentialsOf } from '../authentication/bearer-credentials.js';
import { carryRequest } from '../http/carrying-request.js';
import type { McpPrincipal } from '../authentication/principal.js';
import { ownerKeyOf } from '../authentication/principal.js';
import { MCP_AUTH_RESOLVED_OPTIONS, PRINCIPAL_REQUEST_PROPERTY } from '../mcp-auth.constants.js';
import { ListenStreams, isListenRequest } from '../notifications/listen-streams.js';
import { oversizedListen } from '../notifications/listen-request-bounds.js';
import { watchStream } from '../notifications/stream-lifetime.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { McpServerFactory, toAuthInfo } from '../server/mcp-server.factory.js';
import { McpMetrics } from '../observability/mcp-metrics.js';
import { clientAddressOf } from './client-address.js';
import { InFlightRequests } from './in-flight-requests.js';
import { oversizedInitialize } from './initialize-size.js';
import { LegacyJsonTransport } from './legacy-json-transport.js';
import { ModernDirectPath } from './modern-direct-path.js';
import { JsonRpcErrorCode, requestIdOf, writeJsonRpcError } from './json-rpc-response.js';
import { PreDispatchAuthorization } from './pre-dispatch-authorization.js';
import { eraOf } from './protocol-era.js';
import { forgetParsedBody, isJsonContentType, readJsonBody } from './request-body.js';
import { MAX_JSON_DEPTH } from './json-depth.js';
import type { McpSession } from './session-registry.js';
import { NOT_OWNED, SessionRegistry } from './session-registry.js';
import { serveWithWebHandler } from './web-exchange.js';

type AuthenticatedRequest = IncomingMessage & { [PRINCIPAL_REQUEST_PROPERTY]?: McpPrincipal };

/**
 * The Streamable HTTP endpoint behind the controller, for both MCP eras. Requests
 * arrive here authenticated (the guards ran before any body was read). A POST is read
 * once, classified by era, refused before dispatch when it lacks scopes (the 403
 * step-up challenge), and handed with the caller's `authInfo` to the SDK: its modern
 * handler (`createMcpHandler`, which owns the 2026-07-28 validation ladder; the common
 * exchanges that pass it take `ModernDirectPath` to long-lived servers) or, for the 2025
 * revisions, its Streamable HTTP transport, on the caller's session or on a transport of
 * its own when the endpoint is stateless (`LegacyJsonTransport` for plain JSON calls).
 * Every protocol decision is the SDK's, on both direct paths too; what is done here is
 * what only this library knows: who the caller is, what it may do, and which sessions are its own.
 */
@Injectable()
export class McpEndpoint implements OnModuleDestroy {
  private readonly logger = new Logger('McpAuth');
  private readonly resource: URL;
  /** The SDK's modern handler: a fresh server per request, 2025 traffic refused (legacy is served below). */
  private readonly modern: McpHttpHandler;

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly sessions: SessionRegistry,
    private readonly servers: McpServerFactory,
    private readonly preDispatch: PreDispatchAuthorization,
    private readonly audit: AuditTrail,
    private readonly inFlight: InFlightRequests,
    private readonly listens: ListenStreams,
    private readonly modernDirect: ModernDirectPath,
    @Optional() @Inject(McpMetrics) private readonly metrics: McpMetrics | null = null,
  ) {
    this.resource = new URL(options.resourceUrl);
    this.modern = createMcpHandler(servers.create, {
      legacy: 'reject',
      // subscriptions/listen streams: events of every replica, filtered by each listener's scopes.
      bus: listens,
      // ListenStreams refuses beyond it first (503); the SDK's own refusal would be an internal error.
      maxSubscriptions: options.maxListenStreams,
      ...(options.jsonResponse ? {} : { responseMode: 'sse' as const }),
    });
  }

  async post(req: AuthenticatedRequest, res: ServerResponse): Promise<void> {
    const principal = this.authenticated(req);
    if (!isJsonContentType(req.headers['content-type'])) {
      return writeJsonRpcError(
        res,
        415,
        JsonRpcErrorCode.ConnectionClosed,
        'Unsupported Media Type: Content-Type must be application/json',
      );
    }
    const body = await readJsonBody(req, this.options.maxRequestBodyBytes, this.options.bodyTimeoutMs);
    if (body.kind === 'too_large') {
      return writeJsonRpcError(
        res,
        413,
        JsonRpcErrorCode.ConnectionClosed,
        `Request body larger than ${this.options.maxRequestBodyBytes} bytes`,
        { Connection: 'close' },
      );
    }
    if (body.kind === 'timeout') {
      // Answer, then drop the connection: the rest of the body is not worth waiting for.
      res.once('finish', () => req.destroy());
      return writeJsonRpcError(
        res,
        408,
        JsonRpcErrorCode.ConnectionClosed,
        `Request Timeout: the body did not arrive within ${this.options.bodyTimeoutMs} ms`,
        { Connection: 'close' },
      );
    }
    if (body.kind === 'invalid') {
      return writeJsonRpcError(res, 400, JsonRpcErrorCode.ParseError, 'Parse error: Invalid JSON');
    }
    if (body.kind === 'too_deep') {
      return writeJsonRpcError(
        res,
        400,
        JsonRpcErrorCode.InvalidRequest,
        `Invalid Request: JSON nested deeper than ${MAX_JSON_DEPTH} levels`,
      );
    }
    const message = body.value;
    const era = eraOf(req, message, this.options.protocol);
    this.metrics?.classified(res, era, message);
    // A modern request names no session: one it carries anyway is ignored, here as by the SDK.
    const sessionId = era === 'legacy' ? sessionIdOf(req) : undefined;
    const refusal = this.preDispatch.check(message, principal, req, sessionId !== undefined);
    if (refusal) throw refusal;
    const authInfo = this.authInfoOf(req, principal);
    const listen = era === 'modern' && isListenRequest(message);
    // The handlers of its messages learn which request carried them (era, headers, DI scope). A listen
    // stream lives as long as its token: its message is not kept with it (issue 19, N1).
    carryRequest(authInfo, listen ? { request: req, era } : { request: req, era, message });

    if (era === 'modern') {
      if (listen) return this.listen(req, res, principal, authInfo, message, body.bytes);
      // The common exchanges on the direct path (the SDK's ladder kept, servers built once); the rest by the SDK's handler.
      if (this.modernDirect.serve(req, res, message, authInfo)) return;
      return this.serve(req, res, (request) => this.modern.fetch(request, { authInfo, parsedBody: message }));
    }

    const tooLarge = oversizedInitialize(message);
    if (tooLarge) return writeJsonRpcError(res, 400, JsonRpcErrorCode.InvalidParams, tooLarge, {}, requestIdOf(message));
    if (this.options.stateless) return this.serveStateless(req, res, message, authInfo);
    if (sessionId !== undefined) {
      const session = await this.ownedSession(sessionId, principal, req, res);
      if (session) await this.serveLegacy(req, res, session.transport, message, authInfo);
      return;
    }
    if (!isInitializeRequest(message)) {
      return writeJsonRpcError(res, 400, JsonRpcErrorCode.ConnectionClosed, 'Bad Request: Mcp-Session-Id header is required');
    }
    const transport = await this.sessions.prepare(ownerKeyOf(principal), message);
    await this.serve(req, res, (request) => transport.handleRequest(request, { authInfo, parsedBody: message }));
    // An initialize the SDK refused opened no session: give its place back.
    if (transport.sessionId === undefined) await transport.close();
  }

  /**
   * A `subscriptions/listen` request: bounded in size, refused (429, 503) before the stream
   * opens when the subject or the process holds too many, then served by the SDK for as long
   * as the token lives. Nothing of the request may outlive the moment the SDK has read it: the
   * stream lives for hours, and whatever its closures reach lives as long. So the message is
   * handed over through a variable emptied on use, from a function that is not `async` (an
   * async frame would keep its arguments until the stream ends), no closure of this function
   * names it, and the request (which the stream's response keeps) no longer carries what an
   * application's body parser left on it.
   */
  private listen(
    req: IncomingMessage,
    res: ServerResponse,
    principal: McpPrincipal,
    authInfo: AuthInfo,
    message: unknown,
    bytes: number | undefined,
  ): Promise<void> {
    const tooLarge = oversizedListen(message, bytes ?? Buffer.byteLength(JSON.stringify(message)));
    if (tooLarge) {
      writeJsonRpcError(res, 400, JsonRpcErrorCode.InvalidParams, tooLarge, {}, requestIdOf(message));
      return Promise.resolve();
    }
    const release = this.listens.reserve(principal);
    forgetParsedBody(req);
    let unread: unknown = message;
    const handOver = () => {
      const parsedBody = unread;
      unread = undefined;
      return parsedBody;
    };
    return this.serve(req, res, (request) =>
      this.listens.open(principal, release, () => this.modern.fetch(request, { authInfo, parsedBody: handOver() })),
    );
  }

  /**
   * GET: a legacy session's server-to-client stream, closed when the token that opened it
   * expires or `validateUser` no longer knows the user (asked again every `revalidateUserMs`).
   */
  async get(req: AuthenticatedRequest, res: ServerResponse): Promise<void> {
    const principal = this.authenticated(req);
    res.once(
      'close',
      watchStream(principal, this.options, () => res.end()),
    );
    await this.withSession(req, res, principal);
  }

  /** DELETE: ends a legacy session. */
  async delete(req: AuthenticatedRequest, res: ServerResponse): Promise<void> {
    await this.withSession(req, res, this.authenticated(req));
  }

  /**
   * Shutdown: let in-flight requests finish (bounded by `shutdownTimeoutMs`), then
   * close every session and the modern exchanges (the SDK handler's and the direct path's),
   * which aborts their running handlers and ends their streams, then answer whatever is still
   * open with 503.
   */
  async onModuleDestroy(): Promise<void> {
    const drained = await this.inFlight.drain(this.options.shutdownTimeoutMs);
    if (!drained) {
      this.logger.warn(
        `Shutdown: ${this.inFlight.size} request(s) still running after ${this.options.shutdownTimeoutMs} ms; closing sessions anyway`,
      );
    }
    await Promise.all([this.sessions.closeAll(), this.modern.close(), this.modernDirect.close()]);
    // Requests still open here would keep the HTTP server from closing.
    this.inFlight.abandon();
  }

  /** GET and DELETE act on an existing legacy session only; the modern era has neither. */
  private async withSession(req: AuthenticatedRequest, res: ServerResponse, principal: McpPrincipal): Promise<void> {
    if (this.options.protocol === 'modern') return this.serve(req, res, (request) => this.modern.fetch(request));
    if (this.options.stateless) {
      return writeJsonRpcError(res, 405, JsonRpcErrorCode.ConnectionClosed, 'Method not allowed: this endpoint is stateless', {
        Allow: 'POST',
      });
    }
    const sessionId = sessionIdOf(req);
    if (sessionId === undefined) {
      return writeJsonRpcError(res, 400, JsonRpcErrorCode.ConnectionClosed, 'Bad Request: Mcp-Session-Id header is required');
    }
    const session = await this.ownedSession(sessionId, principal, req, res);
    if (!session) return;
    const authInfo = this.authInfoOf(req, principal);
    await this.serve(req, res, (request) => session.transport.handleRequest(request, { authInfo }));
  }

  /**
   * The session, if it exists and belongs to this principal: held here, or (with `redis`)
   * restored from the fleet's record. A session of another subject is answered exactly
   * like an unknown one (404), so ids cannot be probed, and its owner keeps it.
   */
  private async ownedSession(
    id: string,
    principal: McpPrincipal,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<McpSession | undefined> {
    const owner = ownerKeyOf(principal);
    const held = this.sessions.find(id);
    const session = held ? (held.owner === owner ? held : NOT_OWNED) : await this.sessions.restore(id, owner);
    if (session === NOT_OWNED) {
      this.audit.decided('session', 'denied', principal, { reason: 'session_not_owned', ...sessionOf(req), ip: clientAddressOf(req) });
    }
    if (!session || session === NOT_OWNED) {
      writeJsonRpcError(res, 404, JsonRpcErrorCode.SessionNotFound, 'Session not found');
      return undefined;
    }
    this.sessions.touch(session);
    return session;
  }

  /** A legacy request on an endpoint without sessions: a transport and a server of its own, garbage once answered. */
  private async serveStateless(req: IncomingMessage, res: ServerResponse, message: unknown, authInfo: AuthInfo): Promise<void> {
    const server = this.servers.create();
    const transport = new LegacyJsonTransport({ sessionIdGenerator: undefined, enableJsonResponse: this.options.jsonResponse });
    // Closing them is only needed to abort a tool whose client went away.
    res.once('close', () => {
      if (!res.writableFinished) void server.close();
    });
    await server.connect(transport);
    await this.serveLegacy(req, res, transport, message, authInfo);
  }

  /** A legacy POST: answered on the transport's direct JSON path when it is that kind of exchange, else by the SDK's transport. */
  private async serveLegacy(
    req: IncomingMessage,
    res: ServerResponse,
    transport: LegacyJsonTransport,
    message: unknown,
    authInfo: AuthInfo,
  ): Promise<void> {
    const headers = req.headers;
    const direct = {
      accept: headers.accept,
      sessionId: sessionIdOf(req),
      protocolVersion: typeof headers['mcp-protocol-version'] === 'string' ? headers['mcp-protocol-version'] : undefined,
    };
    if (transport.tryDirect(direct, message, authInfo, res)) return;
    // A request answered on a stream of the SDK's: a client that leaves before the answer cancels it.
    const id = typeof (message as { method?: unknown })?.method === 'string' ? requestIdOf(message) : null;
    if (id !== null) {
      res.once('close', () => {
        if (!res.writableFinished) transport.cancel(id);
      });
    }
    await this.serve(req, res, (request) => transport.handleRequest(request, { authInfo, parsedBody: message }));
  }

  private async serve(req: IncomingMessage, res: ServerResponse, handle: (request: Request) => Promise<Response>): Promise<void> {
    try {
      await serveWithWebHandler(req, res, this.options.resourceUrl, handle);
    } catch (error) {
      this.logger.error(`MCP transport failed: ${(error as Error)?.message ?? String(error)}`);
      writeJsonRpcError(res, 500, -32603, 'Internal error');
    }
  }

  /** The SDK's view of the caller (its `authInfo`), carrying our principal. */
  private authInfoOf(req: IncomingMessage, principal: McpPrincipal): AuthInfo {
    const credentials = bearerCredentialsOf(req);
    return toAuthInfo(principal, credentials.kind === 'bearer' ? credentials.token : '', this.resource);
  }

  private authenticated(req: AuthenticatedRequest): McpPrincipal {
    const principal = req[PRINCIPAL_REQUEST_PROPERTY];
    if (!principal) throw new Error('McpEndpoint reached without an authenticated principal; is McpAuthGuard applied?');
    return principal;
  }
}

function sessionIdOf(req: IncomingMessage): string | undefined {
  const value = req.headers['mcp-session-id'];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
