import { Inject, Injectable } from '@nestjs/common';
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type {
  AuthInfo,
  CacheHint,
  CallToolRequest,
  CallToolResult,
  GetPromptRequest,
  InputRequiredResult,
  ListToolsRequest,
  ListToolsResult,
  ReadResourceRequest,
  ServerCapabilities,
  ServerContext,
} from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import { pageElicitation } from '../asking/page-elicitation.js';
import { RequestStateSeal } from '../asking/request-state-seal.js';
import { AuditTrail } from '../audit/audit-trail.js';
import { CompletionHandler } from '../completions/completion-handler.js';
import type { McpPrincipal } from '../authentication/principal.js';
import { DeadlineExceeded, withDeadline } from '../limits/with-deadline.js';
import { ScopePolicy } from '../authorization/scope-policy.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import { LegacySessionNotifications } from '../notifications/legacy-session-notifications.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { McpCallContext } from '../invocation/mcp-call-context.js';
import { ToolCatalogue } from '../tools/tool-catalogue.js';
import { toolErrorResult } from '../tools/tool-result.js';
import { checkAgainst } from '../tools/tool-schemas.js';
import { toolFailure } from './call-failure.js';
import { HandlerAuthorization, principalOf, sessionField } from './handler-authorization.js';
import { CatalogueServer, reachable } from './catalogue-server.js';
import { ListPagination } from './list-pagination.js';
import { ResourcePromptHandlers } from './resource-prompt-handlers.js';
import { DownstreamTokens } from '../downstream/downstream-tokens.service.js';
import { declaredExtensions } from '../metadata/enterprise-managed-authorization.js';
import { boundedCallerText } from '../audit/caller-text.js';

export { FORBIDDEN_ERROR_CODE, principalOf } from './handler-authorization.js';

/**
 * Lists are filtered by the caller's scopes, so no cache may share them between callers
 * (2026-07-28 caching hints; ignored on the 2025 revisions).
 */
const PER_CALLER: CacheHint = { ttlMs: 0, cacheScope: 'private' };
const CACHE_HINTS = {
  'tools/list': PER_CALLER,
  'resources/list': PER_CALLER,
  'resources/templates/list': PER_CALLER,
  'resources/read': PER_CALLER,
  'prompts/list': PER_CALLER,
} as const;

/**
 * Builds the MCP protocol servers (the SDK v2's low-level `Server`) wired to the
 * catalogue: tools, resources and prompts. A server serves one legacy session, or one
 * request (modern, or legacy without sessions), so one is built per request on the hot
 * path: everything that does not depend on the request (handlers, capabilities, the
 * JSON Schema validator, cache hints) is built once here and only attached in {@link create}.
 */
@Injectable()
export class McpServerFactory {
  private readonly validator = new AjvJsonSchemaValidator();
  private readonly resourcesAndPrompts: ResourcePromptHandlers;
  private readonly authorization: HandlerAuthorization;
  private readonly subscriptions: ReturnType<LegacySessionNotifications['handlers']>;
  private readonly pagination: ListPagination;
  private readonly completions: CompletionHandler;
  private readonly listTools = reachable((request: ListToolsRequest, ctx: ServerContext): ListToolsResult =>
    this.onListTools(request, ctx),
  );
  /** Fixed once the catalogue is built; computed on the first server. */
  private capabilities?: ServerCapabilities;

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly catalogue: ToolCatalogue,
    policy: ScopePolicy,
    private readonly audit: AuditTrail,
    private readonly legacyNotifications: LegacySessionNotifications,
    private readonly downstream: DownstreamTokens,
    private readonly seal: RequestStateSeal,
  ) {
    this.authorization = new HandlerAuthorization(policy, audit);
    this.pagination = new ListPagination(options.pageSize);
    this.resourcesAndPrompts = new ResourcePromptHandlers(catalogue, this.authorization, this.pagination, seal, downstream);
    this.completions = new CompletionHandler(catalogue, this.authorization, downstream);
    this.subscriptions = legacyNotifications.handlers(this.authorization);
  }

  /**
   * A fresh protocol server: what the SDK's per-request factory must return (one that is
   * serving cannot be reused). The SDK's modern handler says `era: 'modern'`; the endpoint's
   * legacy paths (a session, or one stateless request) say nothing.
   */
  readonly create = (context?: { era?: 'modern' | 'legacy' }): CatalogueServer => this.build(context?.era);

  /**
   * A protocol server for the modern direct path (`transport/modern-direct-path.ts`),
   * which serves many requests: it lists `supportedProtocolVersions` (the 2025 ones and
   * the modern revisions), as `createMcpHandler` makes its per-request servers list them.
   */
  createLongLived(supportedProtocolVersions: readonly string[]): CatalogueServer {
    return this.build('modern', [...supportedProtocolVersions]);
  }

  private build(era?: 'modern' | 'legacy', supportedProtocolVersions?: string[]): CatalogueServer {
    const handlers = this.resourcesAndPrompts;
    const capabilities = (this.capabilities ??= {
      tools: { listChanged: true },
      // Log messages only ever go to a client that asks for them (ctx.log).
      logging: {},
      ...handlers.capabilities(),
      ...this.completions.capability(),
      ...extensionsCapability(this.options),
    });
    const server = new CatalogueServer(
      this.options.server,
      {
        capabilities,
        jsonSchemaValidator: this.validator,
        cacheHints: CACHE_HINTS,
        requestState: this.seal.serverOption,
        ...(supportedProtocolVersions ? { supportedProtocolVersions } : {}),
      },
      this.seal,
    );
    // Revision 2026-07-28 has no logging/setLevel (a level travels with each request).
    if (era !== 'modern') server.followLogLevel();
    server.setRequestHandler('tools/list', this.listTools);
    // Bound to their server: a tool's result is projected through the server's era codec, and
    // a call reaches its session's log level and client capabilities through it.
    server.setRequestHandler(
      'tools/call',
      reachable((request: CallToolRequest, ctx) => this.onCallTool(server, request, ctx)),
    );
    if (capabilities.resources) {
      server.setRequestHandler('resources/list', handlers.listResources);
      server.setRequestHandler('resources/templates/list', handlers.listResourceTemplates);
      server.setRequestHandler(
        'resources/read',
        reachable((request: ReadResourceRequest, ctx) => handlers.readResource(server, request, ctx)),
      );
      server.setRequestHandler('resources/subscribe', this.subscriptions.subscribe);
      server.setRequestHandler('resources/unsubscribe', this.subscriptions.unsubscribe);
    }
    if (capabilities.prompts) {
      server.setRequestHandler('prompts/list', handlers.listPrompts);
      server.setRequestHandler(
        'prompts/get',
        reachable((request: GetPromptRequest, ctx) => handlers.getPrompt(server, request, ctx)),
      );
    }
    if (capabilities.completions) server.setRequestHandler('completion/complete', this.completions.complete);
    // A legacy session hears of changes (McpNotifier) from its initialize on.
    this.legacyNotifications.follow(server);
    return server;
  }

  private onListTools(request: ListToolsRequest, ctx: ServerContext): ListToolsResult {
    const principal = principalOf(ctx.http?.authInfo);
    const permitted = this.authorization.permitted(principal, this.catalogue.all());
    const page = this.pagination.page('tools/list', request.params?.cursor, permitted);
    const tools = page.items.map((tool) => tool.definition);
    this.audit.decided('tools/list', 'allowed', principal, { tools: tools.map((tool) => tool.name), ...sessionField(ctx) });
    return { tools, ...page.next } as ListToolsResult;
  }

  private async onCallTool(
    server: CatalogueServer,
    request: CallToolRequest,
    ctx: ServerContext,
  ): Promise<CallToolResult | InputRequiredResult> {
    const principal = principalOf(ctx.http?.authInfo);
    const { name, arguments: args } = request.params;
    const tool = this.catalogue.get(name);
    if (!tool) {
      this.authorization.unknown(principal, 'tools/call', { tool: name }, ctx);
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${boundedCallerText(name)}`);
    }
    // The endpoint already refused this before dispatch; checking again here keeps a
    // tool safe if it is ever reached another way (a batch, a custom transport).
    this.authorization.refuseIfForbidden(principal, tool.requirements, 'tools/call', { tool: name }, ctx);
    // A round's state sealed for another tool or other arguments, or answered before, never reaches the method.
    const bound = this.seal.refuseUnlessBoundTo(ctx, tool.operation, args ?? {}, principal);
    if (bound) await bound;
    // Checked before the application's guards: they, the interceptors and the method see the parsed arguments.
    // Awaited only when a schema library checks asynchronously: zod's check costs the call no extra turn.
    const checking = checkAgainst(tool.input, args ?? {});
    const checked = checking instanceof Promise ? await checking : checking;
    if (!checked.ok) return toolErrorResult(`Invalid arguments for tool ${name}: ${checked.issues}`);
    const signal = ctx.mcpReq.signal;
    let call: McpCallContext | undefined;
    try {
      const value = await withDeadline(this.options.requestTimeoutMs, signal, (deadline) =>
        tool.invoke(
          checked.value,
          (call = new McpCallContext(tool.operation, checked.value, principal, ctx, deadline, { server, downstream: this.downstream })),
        ),
      );
      // The method asked the client for input (2026-07-28) and went on anyway: the question stands.
      if (call!.roundEnding) return await this.seal.inputRequired(call!.roundEnding, ctx, tool.operation, args ?? {});
      const result = tool.toResult(value);
      return server.projectCallToolResult(result instanceof Promise ? await result : result, tool.definition.outputSchema);
    } catch (error) {
      // Cancelled by the client, or its session closed: nobody is waiting for an answer.
      if (signal.aborted) throw error;
      const ending = call?.roundEnding;
      if (ending) return await this.seal.inputRequired(ending, ctx, tool.operation, args ?? {});
      if (error instanceof DeadlineExceeded) {
        throw new ProtocolError(RequestTimeout, `Tool ${name} did not finish within ${this.options.requestTimeoutMs} ms`);
      }
      const page = call && pageElicitation(error, call);
      if (page === 'round') return await this.seal.inputRequired(call!.roundEnding!, ctx, tool.operation, args ?? {});
      if (page) throw page;
      return toolFailure(error, tool.operation);
    }
  }
}

/** JSON-RPC error code of a request that ran out of time (the MCP SDKs' `RequestTimeout`). */
const RequestTimeout = -32001;

/** The SDK's view of the caller, carrying our principal in `extra`. */
export function toAuthInfo(principal: McpPrincipal, token: string, resource: URL): AuthInfo {
  return {
    token,
    clientId: principal.clientId ?? principal.sub,
    scopes: [...principal.scopes],
    expiresAt: principal.expiresAt,
    resource,
    extra: { principal, sub: principal.sub, issuer: principal.issuer },
  };
}

/** `capabilities.extensions`, only when the server declares an extension (option `enterpriseManagedAuthorization`). */
function extensionsCapability(options: ResolvedMcpAuthOptions): Pick<ServerCapabilities, 'extensions'> {
  const extensions = declaredExtensions(options);
  return Object.keys(extensions).length > 0 ? { extensions } : {};
}
