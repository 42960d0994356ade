import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type {
  GetPromptResult,
  ListPromptsResult,
  ListResourcesResult,
  ListResourceTemplatesResult,
  ReadResourceResult,
  ServerCapabilities,
  ServerNotification,
  ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { McpPrincipal } from '../authentication/principal.js';
import type { ScopePolicy } from '../authorization/scope-policy.js';
import type { ScopeRequirement } from '../authorization/scope-requirement.js';
import type { ToolCatalogue } from '../tools/tool-catalogue.js';
import type { McpToolContext } from '../tools/mcp-tool-context.js';
import { FORBIDDEN_ERROR_CODE, principalOf, sessionField } from './mcp-server.factory.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * The MCP handlers for resources and prompts. Lists show only what the caller may
 * use; `resources/read` and `prompts/get` were refused before dispatch when scopes
 * are missing, and are checked again here for messages that reach them another way.
 */
export class ResourcePromptHandlers {
  constructor(
    private readonly catalogue: ToolCatalogue,
    private readonly policy: ScopePolicy,
    private readonly audit: AuditTrail,
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
    return { resources: this.permitted(principal, this.catalogue.resources()).map((resource) => resource.definition as ListResourcesResult['resources'][number]) };
  };

  readonly listResourceTemplates = (_request: unknown, extra: Extra): ListResourceTemplatesResult => {
    const principal = principalOf(extra.authInfo);
    return {
      resourceTemplates: this.permitted(principal, this.catalogue.resourceTemplates()).map(
        (resource) => resource.definition as ListResourceTemplatesResult['resourceTemplates'][number],
      ),
    };
  };

  readonly readResource = async (request: { params: { uri: string } }, extra: Extra): Promise<ReadResourceResult> => {
    const principal = principalOf(extra.authInfo);
    const { uri } = request.params;
    const found = this.catalogue.resource(uri);
    if (!found) throw new McpError(ErrorCode.InvalidParams, `Unknown resource: ${uri}`);
    this.refuseUnlessAllowed(principal, found.resource.requirements, 'resources/read', { resource: uri }, extra);
    return found.resource.read(uri, found.variables, contextOf(principal, extra));
  };

  readonly listPrompts = (_request: unknown, extra: Extra): ListPromptsResult => {
    const principal = principalOf(extra.authInfo);
    return { prompts: this.permitted(principal, this.catalogue.prompts()).map((prompt) => prompt.definition) };
  };

  readonly getPrompt = async (request: { params: { name: string; arguments?: Record<string, string> } }, extra: Extra): Promise<GetPromptResult> => {
    const principal = principalOf(extra.authInfo);
    const { name } = request.params;
    const prompt = this.catalogue.prompt(name);
    if (!prompt) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${name}`);
    this.refuseUnlessAllowed(principal, prompt.requirements, 'prompts/get', { prompt: name }, extra);
    const parsed = prompt.args.safeParse(request.params.arguments ?? {});
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
      throw new McpError(ErrorCode.InvalidParams, `Invalid arguments for prompt ${name}: ${problems}`);
    }
    return prompt.get(parsed.data, contextOf(principal, extra));
  };

  private permitted<T extends { requirements: readonly ScopeRequirement[] }>(principal: McpPrincipal, entries: Iterable<T>): T[] {
    const allowed: T[] = [];
    for (const entry of entries) if (this.policy.decide(principal, entry.requirements).allowed) allowed.push(entry);
    return allowed;
  }

  /** Checks again (defence in depth) and records the decision in the audit trail either way. */
  private refuseUnlessAllowed(
    principal: McpPrincipal,
    requirements: readonly ScopeRequirement[],
    action: 'resources/read' | 'prompts/get',
    target: { resource: string } | { prompt: string },
    extra: Extra,
  ): void {
    const decision = this.policy.decide(principal, requirements);
    const session = sessionField(extra);
    if (decision.allowed) {
      this.audit.decided(action, 'allowed', principal, { ...target, ...session });
      return;
    }
    this.audit.decided(action, 'denied', principal, {
      reason: 'insufficient_scope',
      ...target,
      missingScopes: this.policy.missing(principal, decision.scopesToRequest),
      ...session,
    });
    const what = 'resource' in target ? `resource ${target.resource}` : `prompt ${target.prompt}`;
    throw new McpError(FORBIDDEN_ERROR_CODE, `Insufficient scope for ${what}`, { requiredScopes: decision.scopesToRequest });
  }
}

function contextOf(principal: McpPrincipal, extra: Extra): McpToolContext {
  return { principal, authInfo: extra.authInfo!, signal: extra.signal, sessionId: extra.sessionId };
}
