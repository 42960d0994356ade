import { Inject, Injectable, Logger } from '@nestjs/common';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, ListToolsResult, ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { AuditTrail } from '../audit/audit-trail.js';
import type { McpPrincipal } from '../authentication/principal.js';
import { DeadlineExceeded, withDeadline } from '../limits/with-deadline.js';
import { ScopePolicy } from '../authorization/scope-policy.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { ToolCatalogue } from '../tools/tool-catalogue.js';
import { toCallToolResult, toolErrorResult } from '../tools/tool-result.js';
import { HandlerAuthorization, describeIssues, principalOf, sessionField } from './handler-authorization.js';
import type { Extra } from './handler-authorization.js';
import { ResourcePromptHandlers } from './resource-prompt-handlers.js';

export { FORBIDDEN_ERROR_CODE, principalOf } from './handler-authorization.js';

/**
 * Builds MCP protocol servers wired to the catalogue (tools, resources, prompts). Handlers and the JSON
 * Schema validator are created once and shared by every server (one per session,
 * or one per request when stateless).
 */
@Injectable()
export class McpServerFactory {
  private readonly logger = new Logger('McpAuth');
  private readonly validator = new AjvJsonSchemaValidator();
  private readonly listTools = (_request: unknown, extra: Extra): ListToolsResult => this.onListTools(extra);
  private readonly callTool = (request: { params: { name: string; arguments?: Record<string, unknown> } }, extra: Extra) =>
    this.onCallTool(request.params.name, request.params.arguments, extra);
  private readonly resourcesAndPrompts: ResourcePromptHandlers;
  private readonly authorization: HandlerAuthorization;
  /** Fixed once the catalogue is built; computed on the first server. */
  private capabilities?: ServerCapabilities;

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly catalogue: ToolCatalogue,
    policy: ScopePolicy,
    private readonly audit: AuditTrail,
  ) {
    this.authorization = new HandlerAuthorization(policy, audit);
    this.resourcesAndPrompts = new ResourcePromptHandlers(catalogue, this.authorization);
  }

  create(): Server {
    const extras = this.resourcesAndPrompts;
    const capabilities = (this.capabilities ??= { tools: { listChanged: false }, ...extras.capabilities() });
    const server = new Server(this.options.server, { capabilities, jsonSchemaValidator: this.validator });
    server.setRequestHandler(ListToolsRequestSchema, this.listTools);
    server.setRequestHandler(CallToolRequestSchema, this.callTool);
    if (capabilities.resources) {
      server.setRequestHandler(ListResourcesRequestSchema, extras.listResources);
      server.setRequestHandler(ListResourceTemplatesRequestSchema, extras.listResourceTemplates);
      server.setRequestHandler(ReadResourceRequestSchema, extras.readResource);
    }
    if (capabilities.prompts) {
      server.setRequestHandler(ListPromptsRequestSchema, extras.listPrompts);
      server.setRequestHandler(GetPromptRequestSchema, extras.getPrompt);
    }
    return server;
  }

  private onListTools(extra: Extra): ListToolsResult {
    const principal = principalOf(extra.authInfo);
    const tools = this.authorization.permitted(principal, this.catalogue.all()).map((tool) => tool.definition);
    this.audit.decided('tools/list', 'allowed', principal, { tools: tools.map((tool) => tool.name), ...sessionField(extra) });
    return { tools };
  }

  private async onCallTool(name: string, args: Record<string, unknown> | undefined, extra: Extra): Promise<CallToolResult> {
    const principal = principalOf(extra.authInfo);
    const tool = this.catalogue.get(name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    // The endpoint already refused this before dispatch; checking again here keeps a
    // tool safe if it is ever reached another way (a batch, a custom transport).
    this.authorization.refuseIfForbidden(principal, tool.requirements, 'tools/call', { tool: name }, extra);
    const parsed = tool.input.safeParse(args ?? {});
    if (!parsed.success) return toolErrorResult(`Invalid arguments for tool ${name}: ${describeIssues(parsed.error)}`);
    this.authorization.allowed(principal, 'tools/call', { tool: name }, extra);
    try {
      const value = await withDeadline(this.options.requestTimeoutMs, extra.signal, (deadline) =>
        tool.invoke(parsed.data, {
          principal,
          authInfo: extra.authInfo!,
          sessionId: extra.sessionId,
          get signal() {
            return deadline.signal;
          },
        }),
      );
      return toCallToolResult(value);
    } catch (error) {
      if (error instanceof McpError) throw error;
      // Cancelled by the client, or its session closed: nobody is waiting for an answer.
      if (extra.signal.aborted) throw error;
      if (error instanceof DeadlineExceeded) {
        throw new McpError(ErrorCode.RequestTimeout, `Tool ${name} did not finish within ${this.options.requestTimeoutMs} ms`);
      }
      this.logger.warn(`Tool ${name} failed: ${(error as Error)?.message ?? String(error)}`);
      return toolErrorResult(error instanceof Error ? error.message : 'Tool failed');
    }
  }
}


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
