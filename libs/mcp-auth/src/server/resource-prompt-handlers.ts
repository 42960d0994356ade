import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError } from '@modelcontextprotocol/server';
import type {
  GetPromptRequest,
  GetPromptResult,
  ListPromptsResult,
  ListResourcesResult,
  ListResourceTemplatesResult,
  ReadResourceRequest,
  ReadResourceResult,
  ServerCapabilities,
  ServerContext,
} from '@modelcontextprotocol/server';
import type { McpPrincipal } from '../authentication/principal.js';
import type { ToolCatalogue } from '../tools/tool-catalogue.js';
import type { McpToolContext } from '../tools/mcp-tool-context.js';
import { reachable } from './catalogue-server.js';
import { describeIssues, principalOf } from './handler-authorization.js';
import type { HandlerAuthorization } from './handler-authorization.js';
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

  readonly listResources = reachable((_request: unknown, ctx: ServerContext): ListResourcesResult => {
    const principal = principalOf(ctx.http?.authInfo);
    return {
      resources: this.authorization
        .permitted(principal, this.catalogue.resources())
        .map((resource) => resource.definition as ListResourcesResult['resources'][number]),
    };
  });

  readonly listResourceTemplates = reachable((_request: unknown, ctx: ServerContext): ListResourceTemplatesResult => {
    const principal = principalOf(ctx.http?.authInfo);
    return {
      resourceTemplates: this.authorization
        .permitted(principal, this.catalogue.resourceTemplates())
        .map((resource) => resource.definition as ListResourceTemplatesResult['resourceTemplates'][number]),
    };
  });

  readonly readResource = reachable(async (request: ReadResourceRequest, ctx: ServerContext): Promise<ReadResourceResult> => {
    const principal = principalOf(ctx.http?.authInfo);
    const { uri } = request.params;
    const found = this.catalogue.resource(uri);
    if (!found) {
      this.authorization.unknown(principal, 'resources/read', { resource: uri }, ctx);
      throw new ResourceNotFoundError(boundedCallerText(uri));
    }
    this.authorization.refuseIfForbidden(principal, found.resource.requirements, 'resources/read', { resource: uri }, ctx);
    this.authorization.allowed(principal, 'resources/read', { resource: uri }, ctx);
    return (await found.resource.read(uri, found.variables, contextOf(principal, ctx))) as ReadResourceResult;
  });

  readonly listPrompts = reachable((_request: unknown, ctx: ServerContext): ListPromptsResult => {
    const principal = principalOf(ctx.http?.authInfo);
    return {
      prompts: this.authorization
        .permitted(principal, this.catalogue.prompts())
        .map((prompt) => prompt.definition as ListPromptsResult['prompts'][number]),
    };
  });

  readonly getPrompt = reachable(async (request: GetPromptRequest, ctx: ServerContext): Promise<GetPromptResult> => {
    const principal = principalOf(ctx.http?.authInfo);
    const { name } = request.params;
    const prompt = this.catalogue.prompt(name);
    if (!prompt) {
      this.authorization.unknown(principal, 'prompts/get', { prompt: name }, ctx);
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown prompt: ${boundedCallerText(name)}`);
    }
    this.authorization.refuseIfForbidden(principal, prompt.requirements, 'prompts/get', { prompt: name }, ctx);
    this.authorization.allowed(principal, 'prompts/get', { prompt: name }, ctx);
    const parsed = prompt.args.safeParse(request.params.arguments ?? {});
    if (!parsed.success)
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid arguments for prompt ${name}: ${describeIssues(parsed.error)}`);
    return (await prompt.get(parsed.data, contextOf(principal, ctx))) as GetPromptResult;
  });
}

/** What a resource or prompt method receives as its second argument. */
function contextOf(principal: McpPrincipal, ctx: ServerContext): McpToolContext {
  return { principal, authInfo: ctx.http!.authInfo!, signal: ctx.mcpReq.signal, sessionId: ctx.sessionId };
}
