import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError } from '@modelcontextprotocol/server';
import type {
  GetPromptRequest,
  GetPromptResult,
  InputRequiredResult,
  ListPromptsRequest,
  ListPromptsResult,
  ListResourcesRequest,
  ListResourcesResult,
  ListResourceTemplatesRequest,
  ListResourceTemplatesResult,
  ReadResourceRequest,
  ReadResourceResult,
  ServerCapabilities,
  ServerContext,
} from '@modelcontextprotocol/server';
import { pageElicitation } from '../asking/page-elicitation.js';
import type { RequestStateSeal } from '../asking/request-state-seal.js';
import { McpCallContext } from '../invocation/mcp-call-context.js';
import type { McpOperation } from '../invocation/mcp-execution-context.js';
import type { ToolCatalogue } from '../tools/tool-catalogue.js';
import { checkAgainst } from '../tools/tool-schemas.js';
import { protocolErrorFor } from './call-failure.js';
import type { CatalogueServer } from './catalogue-server.js';
import { reachable } from './catalogue-server.js';
import { principalOf } from './handler-authorization.js';
import type { HandlerAuthorization } from './handler-authorization.js';
import type { ListPagination } from './list-pagination.js';
import type { DownstreamTokens } from '../downstream/downstream-tokens.service.js';
import { boundedCallerText } from '../audit/caller-text.js';

/**
 * The MCP handlers for resources and prompts. Lists show only what the caller may
 * use; `resources/read` and `prompts/get` were refused before dispatch when scopes
 * are missing, and are checked again here for messages that reach them another way.
 * An unknown resource or prompt is a -32602 on both eras (the SDK maps its
 * resource-not-found error to the code each revision prescribes).
 */
export class ResourcePromptHandlers {
  constructor(
    private readonly catalogue: ToolCatalogue,
    private readonly authorization: HandlerAuthorization,
    private readonly pagination: ListPagination,
    private readonly seal: RequestStateSeal,
    private readonly downstream: DownstreamTokens,
  ) {}

  /**
   * Capabilities to announce: only the kinds the application has. Changes are announced
   * through `McpNotifier`; a resource can be subscribed to (`resources/subscribe` on the
   * 2025 revisions, `subscriptions/listen` on 2026-07-28).
   */
  capabilities(): Pick<ServerCapabilities, 'resources' | 'prompts'> {
    const hasResources = this.catalogue.resourceTemplates().length > 0 || !this.catalogue.resources().next().done;
    const hasPrompts = !this.catalogue.prompts().next().done;
    return {
      ...(hasResources ? { resources: { subscribe: true, listChanged: true } } : {}),
      ...(hasPrompts ? { prompts: { listChanged: true } } : {}),
    };
  }

  readonly listResources = reachable((request: ListResourcesRequest, ctx: ServerContext): ListResourcesResult => {
    const principal = principalOf(ctx.http?.authInfo);
    const permitted = this.authorization.permitted(principal, this.catalogue.resources());
    const page = this.pagination.page('resources/list', request.params?.cursor, permitted);
    return { resources: page.items.map((resource) => resource.definition as ListResourcesResult['resources'][number]), ...page.next };
  });

  readonly listResourceTemplates = reachable((request: ListResourceTemplatesRequest, ctx: ServerContext): ListResourceTemplatesResult => {
    const principal = principalOf(ctx.http?.authInfo);
    const permitted = this.authorization.permitted(principal, this.catalogue.resourceTemplates());
    const page = this.pagination.page('resources/templates/list', request.params?.cursor, permitted);
    return {
      resourceTemplates: page.items.map((resource) => resource.definition as ListResourceTemplatesResult['resourceTemplates'][number]),
      ...page.next,
    };
  });

  /** `resources/read`, on `server` (the factory binds it to each server it builds). */
  async readResource(
    server: CatalogueServer,
    request: ReadResourceRequest,
    ctx: ServerContext,
  ): Promise<ReadResourceResult | InputRequiredResult> {
    const principal = principalOf(ctx.http?.authInfo);
    const { uri } = request.params;
    const found = this.catalogue.resource(uri);
    if (!found) {
      this.authorization.unknown(principal, 'resources/read', { resource: uri }, ctx);
      throw new ResourceNotFoundError(boundedCallerText(uri));
    }
    this.authorization.refuseIfForbidden(principal, found.resource.requirements, 'resources/read', { resource: uri }, ctx);
    const operation: McpOperation = { kind: 'resource', name: found.resource.name, uri };
    const bound = this.seal.refuseUnlessBoundTo(ctx, operation, uri, principal);
    if (bound) await bound;
    const call = new McpCallContext(operation, found.variables, principal, ctx, ctx.mcpReq, { server, downstream: this.downstream });
    try {
      const result = await found.resource.read(uri, found.variables, call);
      return call.roundEnding ? await this.seal.inputRequired(call.roundEnding, ctx, operation, uri) : result;
    } catch (error) {
      return this.failed(error, call, ctx, uri);
    }
  }

  readonly listPrompts = reachable((request: ListPromptsRequest, ctx: ServerContext): ListPromptsResult => {
    const principal = principalOf(ctx.http?.authInfo);
    const page = this.pagination.page(
      'prompts/list',
      request.params?.cursor,
      this.authorization.permitted(principal, this.catalogue.prompts()),
    );
    return { prompts: page.items.map((prompt) => prompt.definition as ListPromptsResult['prompts'][number]), ...page.next };
  });

  /** `prompts/get`, on `server` (the factory binds it to each server it builds). */
  async getPrompt(server: CatalogueServer, request: GetPromptRequest, ctx: ServerContext): Promise<GetPromptResult | InputRequiredResult> {
    const principal = principalOf(ctx.http?.authInfo);
    const { name } = request.params;
    const prompt = this.catalogue.prompt(name);
    if (!prompt) {
      this.authorization.unknown(principal, 'prompts/get', { prompt: name }, ctx);
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown prompt: ${boundedCallerText(name)}`);
    }
    this.authorization.refuseIfForbidden(principal, prompt.requirements, 'prompts/get', { prompt: name }, ctx);
    const raw = request.params.arguments ?? {};
    const bound = this.seal.refuseUnlessBoundTo(ctx, prompt.operation, raw, principal);
    if (bound) await bound;
    const checking = checkAgainst(prompt.args, raw);
    const checked = checking instanceof Promise ? await checking : checking;
    if (!checked.ok) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid arguments for prompt ${name}: ${checked.issues}`);
    const call = new McpCallContext(prompt.operation, checked.value, principal, ctx, ctx.mcpReq, { server, downstream: this.downstream });
    try {
      const result = await prompt.get(checked.value, call);
      return call.roundEnding ? await this.seal.inputRequired(call.roundEnding, ctx, prompt.operation, raw) : result;
    } catch (error) {
      return this.failed(error, call, ctx, raw);
    }
  }

  /**
   * A resource or prompt method that failed: the end of its round when it asked for input
   * (2026-07-28) or named a page to visit that the client can be asked to open; a JSON-RPC
   * error otherwise. `subject` is what the state is bound to (the URI, the prompt's arguments).
   */
  private async failed(error: unknown, call: McpCallContext, ctx: ServerContext, subject: unknown): Promise<InputRequiredResult> {
    const page = call.roundEnding ? 'round' : pageElicitation(error, call);
    if (page === 'round') return this.seal.inputRequired(call.roundEnding!, ctx, call.operation, subject);
    if (page) throw page;
    throw protocolErrorFor(error, call.operation);
  }
}
