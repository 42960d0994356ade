import { Inject, Injectable, Logger } from '@nestjs/common';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import {
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolRequest, CallToolResult, ListToolsResult, ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { AuditTrail } from '../audit/audit-trail.js';
import type { McpPrincipal } from '../authentication/principal.js';
import { DeadlineExceeded, withDeadline } from '../limits/with-deadline.js';
import { ScopePolicy } from '../authorization/scope-policy.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { ToolCatalogue } from '../tools/tool-catalogue.js';
import { toolErrorResult } from '../tools/tool-result.js';
import { HandlerAuthorization, describeIssues, principalOf, sessionField } from './handler-authorization.js';
import type { Extra } from './handler-authorization.js';
import { anyParams, validParams } from './request-params.js';
import { ResourcePromptHandlers } from './resource-prompt-handlers.js';

export { FORBIDDEN_ERROR_CODE, principalOf } from './handler-authorization.js';

/** The request schemas handlers are registered with, built once (a stateless server is built per request). */
const ANY_PARAMS = {
  'tools/list': anyParams('tools/list'),
  'tools/call': anyParams('tools/call'),
  'resources/list': anyParams('resources/list'),
  'resources/templates/list': anyParams('resources/templates/list'),
  'resources/read': anyParams('resources/read'),
  'prompts/list': anyParams('prompts/list'),
  'prompts/get': anyParams('prompts/get'),
};

/**
 * Builds MCP protocol servers wired to the catalogue (tools, resources, prompts). Handlers and the JSON
 * Schema validator are created once and shared by every server (one per session,
 * or one per request when stateless).
 */
@Injectable()
export class McpServerFactory {
  private readonly logger = new Logger('McpAuth');
  private readonly validator = new AjvJsonSchemaValidator();
  // Handlers are registered with anyParams() so that invalid params are a -32602, not the SDK's -32603.
  private readonly listTools = (request: unknown, extra: Extra): ListToolsResult => {
    validParams(ListToolsRequestSchema, request);
    return this.onListTools(extra);
  };
  private readonly callTool = (request: unknown, extra: Extra) => {
    const { params } = request as CallToolRequest;
    return this.onCallTool(params.name, params.arguments, extra);
  };
  private readonly listResources = (request: unknown, extra: Extra) =>
    this.resourcesAndPrompts.listResources(validParams(ListResourcesRequestSchema, request), extra);
  private readonly listResourceTemplates = (request: unknown, extra: Extra) =>
    this.resourcesAndPrompts.listResourceTemplates(validParams(ListResourceTemplatesRequestSchema, request), extra);
  private readonly readResource = (request: unknown, extra: Extra) =>
    this.resourcesAndPrompts.readResource(validParams(ReadResourceRequestSchema, request), extra);
  private readonly listPrompts = (request: unknown, extra: Extra) =>
    this.resourcesAndPrompts.listPrompts(validParams(ListPromptsRequestSchema, request), extra);
  private readonly getPrompt = (request: unknown, extra: Extra) =>
    this.resourcesAndPrompts.getPrompt(validParams(GetPromptRequestSchema, request), extra);
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
    server.setRequestHandler(ANY_PARAMS['tools/list'], this.listTools);
    // The SDK's own tools/call wrapper checks the params against CallToolRequestSchema (-32602).
    server.setRequestHandler(ANY_PARAMS['tools/call'], this.callTool);
    if (capabilities.resources) {
      server.setRequestHandler(ANY_PARAMS['resources/list'], this.listResources);
      server.setRequestHandler(ANY_PARAMS['resources/templates/list'], this.listResourceTemplates);
      server.setRequestHandler(ANY_PARAMS['resources/read'], this.readResource);
    }
    if (capabilities.prompts) {
      server.setRequestHandler(ANY_PARAMS['prompts/list'], this.listPrompts);
      server.setRequestHandler(ANY_PARAMS['prompts/get'], this.getPrompt);
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
      return tool.toResult(value);
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
