import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuditTrail } from '../audit/audit-trail.js';
import { bearerCredentialsOf } from '../authentication/bearer-credentials.js';
import type { McpPrincipal } from '../authentication/principal.js';
import { ownerKeyOf } from '../authentication/principal.js';
import { MCP_AUTH_RESOLVED_OPTIONS, PRINCIPAL_REQUEST_PROPERTY } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { McpServerFactory, toAuthInfo } from '../server/mcp-server.factory.js';
import { clientAddressOf } from './client-address.js';
import { JsonRpcErrorCode, writeJsonRpcError } from './json-rpc-response.js';
import { McpHttpTransport } from './mcp-http-transport.js';
import { PreDispatchAuthorization } from './pre-dispatch-authorization.js';
import { isJsonContentType, readJsonBody } from './request-body.js';
import type { McpSession } from './session-registry.js';
import { SessionRegistry } from './session-registry.js';

type AuthenticatedRequest = IncomingMessage & { [PRINCIPAL_REQUEST_PROPERTY]?: McpPrincipal; auth?: AuthInfo };

/**
 * The Streamable HTTP endpoint behind the controller. Requests arrive here
 * authenticated (the guard ran); this decides scope refusals before dispatch,
 * enforces session ownership, and hands the request to the transport
 * ({@link McpHttpTransport}: the SDK's, with a direct path for JSON answers).
 */
@Injectable()
export class McpEndpoint {
  private readonly logger = new Logger('McpAuth');
  private readonly resource: URL;

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly sessions: SessionRegistry,
    private readonly servers: McpServerFactory,
    private readonly preDispatch: PreDispatchAuthorization,
    private readonly audit: AuditTrail,
  ) {
    this.resource = new URL(options.resourceUrl);
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
    const refusal = this.preDispatch.check(body.value, principal);
    if (refusal) throw refusal;

    if (this.options.stateless) return this.dispatchStateless(req, res, body.value);

    const sessionId = sessionIdOf(req);
    if (sessionId !== undefined) {
      const session = this.ownedSession(sessionId, principal, res);
      if (session) await this.dispatch(session.transport, req, res, body.value);
      return;
    }
    if (!isInitializeRequest(body.value)) {
      return writeJsonRpcError(res, 400, JsonRpcErrorCode.ConnectionClosed, 'Bad Request: Mcp-Session-Id header is required');
    }
    const transport = await this.sessions.prepare(ownerKeyOf(principal));
    await this.dispatch(transport, req, res, body.value);
    if (transport.sessionId === undefined) await transport.close();
  }

  async get(req: AuthenticatedRequest, res: ServerResponse): Promise<void> {
    await this.withSession(req, res);
  }

  async delete(req: AuthenticatedRequest, res: ServerResponse): Promise<void> {
    await this.withSession(req, res);
  }

  /** GET (the server-to-client stream) and DELETE act on an existing session only. */
  private async withSession(req: AuthenticatedRequest, res: ServerResponse): Promise<void> {
    const principal = this.authenticated(req);
    if (this.options.stateless) {
      return writeJsonRpcError(res, 405, JsonRpcErrorCode.ConnectionClosed, 'Method not allowed: this endpoint is stateless', {
        Allow: 'POST',
      });
    }
    const sessionId = sessionIdOf(req);
    if (sessionId === undefined) {
      return writeJsonRpcError(res, 400, JsonRpcErrorCode.ConnectionClosed, 'Bad Request: Mcp-Session-Id header is required');
    }
    const session = this.ownedSession(sessionId, principal, res);
    if (session) await this.dispatch(session.transport, req, res, undefined);
  }

  /**
   * The session, if it exists and belongs to this principal. A session of another
   * subject is answered exactly like an unknown one (404), so ids cannot be probed,
   * and its owner keeps it.
   */
  private ownedSession(id: string, principal: McpPrincipal, res: ServerResponse): McpSession | undefined {
    const session = this.sessions.find(id);
    if (session && session.owner !== ownerKeyOf(principal)) {
      this.audit.decided('session', 'denied', principal, { reason: 'session_not_owned', sessionId: id, ip: clientAddressOf(res.req) });
    }
    if (!session || session.owner !== ownerKeyOf(principal)) {
      writeJsonRpcError(res, 404, JsonRpcErrorCode.SessionNotFound, 'Session not found');
      return undefined;
    }
    session.lastActivity = Date.now();
    return session;
  }

  private async dispatchStateless(req: AuthenticatedRequest, res: ServerResponse, body: unknown): Promise<void> {
    const server = this.servers.create();
    const transport = new McpHttpTransport({ sessionIdGenerator: undefined, enableJsonResponse: this.options.jsonResponse });
    // Both are garbage once the response is sent. Closing them is only needed to abort a
    // tool whose client went away, and costs the SDK an error object per request otherwise.
    res.once('close', () => {
      if (res.writableFinished) return;
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await this.dispatch(transport, req, res, body);
  }

  private async dispatch(transport: McpHttpTransport, req: AuthenticatedRequest, res: ServerResponse, body: unknown): Promise<void> {
    const credentials = bearerCredentialsOf(req);
    req.auth = toAuthInfo(this.authenticated(req), credentials.kind === 'bearer' ? credentials.token : '', this.resource);
    try {
      await transport.handleRequest(req, res, body);
    } catch (error) {
      this.logger.error(`MCP transport failed: ${(error as Error)?.message ?? String(error)}`);
      writeJsonRpcError(res, 500, -32603, 'Internal error');
    }
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
