import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type {
  GetPromptResult,
  ListPromptsResult,
  ListResourcesResult,
  ListResourceTemplatesResult,
  ReadResourceResult,
  ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import type { McpPrincipal } from '../authentication/principal.js';
import type { ToolCatalogue } from '../tools/tool-catalogue.js';
import type { McpToolContext } from '../tools/mcp-tool-context.js';
import { describeIssues, principalOf } from './handler-authorization.js';
import type { Extra, HandlerAuthorization } from './handler-authorization.js';

/**
 * The MCP handlers for resources and prompts. Lists show only what the caller may
 * use; `resources/read` and `prompts/get` were refused before dispatch when scopes
 * are missing, and are checked again here for messages that reach them another way.
 */
export class ResourcePromptHandlers {
  constructor(
    private readonly catalogue: ToolCatalogue,
    private readonly authorization: HandlerAuthorization,
  ) {}

  /** Capabilities to announce: only the kinds the application has. */
  capabilities(): Pick<ServerCapabilities, 'resources' | 'prompts'> {
    const hasResources = this.catalogue.resourceTemplates().length > 0 || !this.catalogue.resources().next().done;
    const hasPrompts = !this.catalogue.prompts().next().done;
    return {
      ...(hasResources ? { resources: { listChanged: false } } : {}),
      ...(hasPrompts ? { prompts: { listChanged: false } } : {}),
    };
  }

  readonly listResources = (_request: unknown, extra: Extra): ListResourcesResult => {
    const principal = principalOf(extra.authInfo);
    return {
      resources: this.authorization
        .permitted(principal, this.catalogue.resources())
        .map((resource) => resource.definition as ListResourcesResult['resources'][number]),
    };
  };

  readonly listResourceTemplates = (_request: unknown, extra: Extra): ListResourceTemplatesResult => {
    const principal = principalOf(extra.authInfo);
    return {
      resourceTemplates: this.authorization
        .permitted(principal, this.catalogue.resourceTemplates())
        .map((resource) => resource.definition as ListResourceTemplatesResult['resourceTemplates'][number]),
    };
  };

  readonly readResource = async (request: { params: { uri: string } }, extra: Extra): Promise<ReadResourceResult> => {
    const principal = principalOf(extra.authInfo);
    const { uri } = request.params;
    const found = this.catalogue.resource(uri);
    if (!found) throw new McpError(ErrorCode.InvalidParams, `Unknown resource: ${uri}`);
    this.authorization.refuseIfForbidden(principal, found.resource.requirements, 'resources/read', { resource: uri }, extra);
    this.authorization.allowed(principal, 'resources/read', { resource: uri }, extra);
    return found.resource.read(uri, found.variables, contextOf(principal, extra));
  };

  readonly listPrompts = (_request: unknown, extra: Extra): ListPromptsResult => {
    const principal = principalOf(extra.authInfo);
    return { prompts: this.authorization.permitted(principal, this.catalogue.prompts()).map((prompt) => prompt.definition) };
  };

  readonly getPrompt = async (
    request: { params: { name: string; arguments?: Record<string, string> } },
    extra: Extra,
  ): Promise<GetPromptResult> => {
    const principal = principalOf(extra.authInfo);
    const { name } = request.params;
    const prompt = this.catalogue.prompt(name);
    if (!prompt) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${name}`);
    this.authorization.refuseIfForbidden(principal, prompt.requirements, 'prompts/get', { prompt: name }, extra);
    this.authorization.allowed(principal, 'prompts/get', { prompt: name }, extra);
    const parsed = prompt.args.safeParse(request.params.arguments ?? {});
    if (!parsed.success)
      throw new McpError(ErrorCode.InvalidParams, `Invalid arguments for prompt ${name}: ${describeIssues(parsed.error)}`);
    return prompt.get(parsed.data, contextOf(principal, extra));
  };
}

function contextOf(principal: McpPrincipal, extra: Extra): McpToolContext {
  return { principal, authInfo: extra.authInfo!, signal: extra.signal, sessionId: extra.sessionId };
}
