import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/internal';
import type { CallToolResult, Tool, Variables } from '@modelcontextprotocol/server';
import { withRequiredScopes } from '../authorization/listing.js';
import { declaredScopeRequirements } from '../authorization/require-scopes.decorator.js';
import { ScopePolicy } from '../authorization/scope-policy.js';
import type { ScopeRequirement } from '../authorization/scope-requirement.js';
import { scopesMentioned } from '../authorization/scope-requirement.js';
import { catalogueCompletions } from '../completions/catalogue-completions.js';
import { McpMethodInvoker } from '../invocation/mcp-method-invoker.js';
import type { McpInvoke } from '../invocation/mcp-method-invoker.js';
import type { McpOperation } from '../invocation/mcp-execution-context.js';
import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import {
  MCP_AUTH_RESOLVED_OPTIONS,
  MCP_PROMPT_METADATA,
  MCP_RESOURCE_METADATA,
  MCP_TOOL_METADATA,
  MCP_TOOL_PROVIDER_METADATA,
} from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { cataloguePrompt } from '../prompts/catalogue-prompt.js';
import type { CataloguePrompt } from '../prompts/catalogue-prompt.js';
import type { McpPromptOptions } from '../prompts/mcp-prompt.decorator.js';
import { catalogueResource } from '../resources/catalogue-resource.js';
import type { CatalogueResource } from '../resources/catalogue-resource.js';
import type { McpResourceOptions } from '../resources/mcp-resource.decorator.js';
import { listingFields } from './mcp-method-metadata.js';
import type { McpToolContext } from './mcp-tool-context.js';
import type { McpToolOptions } from './mcp-tool.decorator.js';
import { toCallToolResult, toStructuredToolResult } from './tool-result.js';
import { toObjectSchema, toolJsonSchema } from './tool-schemas.js';
import type { ObjectSchema } from './tool-schemas.js';

/** One tool, prepared once at startup. */
export interface CatalogueTool {
  readonly name: string;
  /** What `tools/list` shows. */
  readonly definition: Tool;
  /** Class requirements followed by method requirements; all must hold. */
  readonly requirements: readonly ScopeRequirement[];
  /** What its calls are, for the call context: `{ kind: 'tool', name }`. */
  readonly operation: McpOperation;
  readonly input: ObjectSchema;
  /** The declared result (`@McpTool({ output })`), if any. */
  readonly output?: ObjectSchema;
  /** Calls the method (through the application's enhancers, if it has any) with the parsed arguments. */
  invoke(args: unknown, context: McpToolContext): Promise<unknown>;
  /** What the method returned, as the `tools/call` result (checked against `output` when declared). */
  toResult(value: unknown): CallToolResult | Promise<CallToolResult>;
}

/** An operation a JSON-RPC request asks for, with what it requires: what pre-dispatch checks. */
export interface GuardedOperation {
  /** The JSON-RPC method, as the audit trail names the action. */
  readonly action: 'tools/call' | 'resources/read' | 'prompts/get';
  /** What is operated on, as audit fields: `{ tool }`, `{ resource }` or `{ prompt }`. */
  readonly target: { readonly tool: string } | { readonly resource: string } | { readonly prompt: string };
  /** For messages: `Tool delete_product`, `Resource products://catalog`, `Prompt product_description`. */
  readonly label: string;
  readonly requirements: readonly ScopeRequirement[];
}

/**
 * Every tool, resource and prompt of the application, discovered once at startup
 * from the providers marked `@McpProvider()` (or `@McpToolProvider()`), each with the
 * scope requirements of its class and method. Per-request work never depends on how
 * many there are (resource templates are matched in declaration order).
 */
@Injectable()
export class ToolCatalogue implements OnModuleInit {
  private readonly tools = new Map<string, CatalogueTool>();
  private readonly staticResources = new Map<string, CatalogueResource>();
  private readonly templates: CatalogueResource[] = [];
  private readonly resourceNames = new Set<string>();
  private readonly promptsByName = new Map<string, CataloguePrompt>();
  private supported: string[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: Pick<ResolvedMcpAuthOptions, 'listing'>,
    private readonly policy: ScopePolicy,
    private readonly invoker: McpMethodInvoker,
  ) {}

  /**
   * Runs once global enhancers are known (`useGlobalGuards()` and friends are called
   * between `NestFactory.create()` and `init()`/`listen()`), so that each method's way of
   * being called is decided here, once.
   */
  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const { metatype } = wrapper;
      if (!metatype || typeof metatype !== 'function' || !Reflect.getMetadata(MCP_TOOL_PROVIDER_METADATA, metatype)) continue;
      this.addProvider(wrapper as InstanceWrapper);
    }
    const everything = [...this.tools.values(), ...this.staticResources.values(), ...this.templates, ...this.promptsByName.values()];
    this.supported = scopesMentioned(everything.flatMap((entry) => entry.requirements));
  }

  get(name: string): CatalogueTool | undefined {
    return this.tools.get(name);
  }

  all(): IterableIterator<CatalogueTool> {
    return this.tools.values();
  }

  get size(): number {
    return this.tools.size;
  }

  /** Resources with a fixed URI, for `resources/list`. */
  resources(): IterableIterator<CatalogueResource> {
    return this.staticResources.values();
  }

  /** Resource templates, for `resources/templates/list`. */
  resourceTemplates(): readonly CatalogueResource[] {
    return this.templates;
  }

  /** The resource a URI names: an exact fixed URI first, then the first template that matches. */
  resource(uri: string): { resource: CatalogueResource; variables: Variables } | undefined {
    const fixed = this.staticResources.get(uri);
    if (fixed) return { resource: fixed, variables: {} };
    for (const resource of this.templates) {
      const variables = resource.template!.match(uri);
      if (variables) return { resource, variables };
    }
    return undefined;
  }

  prompt(name: string): CataloguePrompt | undefined {
    return this.promptsByName.get(name);
  }

  prompts(): IterableIterator<CataloguePrompt> {
    return this.promptsByName.values();
  }

  /** The operation a JSON-RPC request targets (`tools/call`, `resources/read`, `prompts/get`), if it is one of ours. */
  operationOf(method: unknown, params: { name?: unknown; uri?: unknown } | undefined): GuardedOperation | undefined {
    if (method === 'tools/call' && typeof params?.name === 'string') {
      const tool = this.tools.get(params.name);
      return tool && { action: method, target: { tool: tool.name }, label: `Tool ${tool.name}`, requirements: tool.requirements };
    }
    if (method === 'resources/read' && typeof params?.uri === 'string') {
      const found = this.resource(params.uri);
      return (
        found && {
          action: method,
          target: { resource: params.uri },
          // The registered name, never the URI the caller sent: the label ends up in a challenge header.
          label: `Resource ${found.resource.name}`,
          requirements: found.resource.requirements,
        }
      );
    }
    if (method === 'prompts/get' && typeof params?.name === 'string') {
      const prompt = this.promptsByName.get(params.name);
      return (
        prompt && { action: method, target: { prompt: prompt.name }, label: `Prompt ${prompt.name}`, requirements: prompt.requirements }
      );
    }
    return undefined;
  }

  /** Every scope any tool, resource or prompt declares, for `scopes_supported` and the 401 hint. */
  get scopesSupported(): readonly string[] {
    return this.supported;
  }

  /**
   * The provider's tools, resources and prompts. Read from its class, not from an instance:
   * a request-scoped or transient provider has none until a call needs one.
   */
  private addProvider(wrapper: InstanceWrapper): void {
    const metatype = wrapper.metatype as abstract new (...args: never[]) => object;
    const classRequirements = declaredScopeRequirements(metatype);
    const prototype = metatype.prototype as Record<string, unknown>;
    // Completers named by method are bound to the one instance a singleton has (see catalogueCompletions).
    const instance = wrapper.isDependencyTreeStatic() ? (wrapper.instance as object | undefined) : undefined;
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      if (typeof prototype[methodName] !== 'function') continue;
      const tool: McpToolOptions | undefined = Reflect.getMetadata(MCP_TOOL_METADATA, prototype, methodName);
      const resource: McpResourceOptions | undefined = Reflect.getMetadata(MCP_RESOURCE_METADATA, prototype, methodName);
      const prompt: McpPromptOptions | undefined = Reflect.getMetadata(MCP_PROMPT_METADATA, prototype, methodName);
      if (!tool && !resource && !prompt) continue;
      const where = `${metatype.name}.${methodName}`;
      // By class and property (see methodMetadata): what a wrapping decorator did to the function does not matter.
      const requirements = [...classRequirements, ...declaredScopeRequirements(prototype, methodName)];
      const invoke = this.invoker.prepare(wrapper, methodName);

      if (tool) addUnique(this.tools, tool.name, this.listed(catalogueTool(tool, requirements, invoke, where)), '@McpTool', where);

      if (resource) {
        addUnique(this.resourceNames, resource.name, undefined, '@McpResource', where);
        const prepared = catalogueResource(resource, requirements, invoke);
        const variables = prepared.template?.variableNames ?? [];
        const completions = catalogueCompletions(resource.complete, variables, instance, '@McpResource', where);
        const entry = this.listed({ ...prepared, completions });
        if (entry.uri !== undefined) addUnique(this.staticResources, entry.uri, entry, '@McpResource uri', where);
        else this.templates.push(entry);
      }

      if (prompt) {
        const prepared = cataloguePrompt(prompt, requirements, invoke, where);
        const completions = catalogueCompletions(prompt.complete, prepared.argumentNames, instance, '@McpPrompt', where);
        addUnique(this.promptsByName, prompt.name, this.listed({ ...prepared, completions }), '@McpPrompt', where);
      }
    }
  }

  /** With `listing: 'all'`, the entry's definition names the scopes it needs (`_meta`), so a client can step up. */
  private listed<T extends { definition: { _meta?: Record<string, unknown> }; requirements: readonly ScopeRequirement[] }>(entry: T): T {
    if (this.options.listing !== 'all') return entry;
    return { ...entry, definition: withRequiredScopes(entry.definition, this.policy.requiredScopes(entry.requirements)) };
  }
}

/** Names (and fixed URIs) are unique per kind: a second one is a startup error naming both places. */
function addUnique<T>(into: Map<string, T> | Set<string>, key: string, value: T, decorator: string, where: string): void {
  if (into.has(key)) throw new McpAuthConfigurationError(decorator, `"${key}" is used twice (${where}); it must be unique`);
  if (into instanceof Map) into.set(key, value);
  else into.add(key);
}

function catalogueTool(
  options: McpToolOptions,
  requirements: readonly ScopeRequirement[],
  invoke: McpInvoke,
  where: string,
): CatalogueTool {
  let input: ObjectSchema;
  let output: ObjectSchema | undefined;
  let schemas: Pick<Tool, 'inputSchema' | 'outputSchema'>;
  try {
    input = toObjectSchema(options.input, 'input');
    output = options.output === undefined ? undefined : toObjectSchema(options.output, 'output');
    schemas = {
      inputSchema: toolJsonSchema(input, 'input'),
      ...(output ? { outputSchema: toolJsonSchema(output, 'output') } : {}),
    };
  } catch (error) {
    throw new McpAuthConfigurationError('@McpTool', `${where} (tool "${options.name}"): ${(error as Error).message}`);
  }
  return {
    name: options.name,
    definition: {
      ...listingFields(options),
      ...schemas,
      ...(options.annotations ? { annotations: options.annotations } : {}),
    },
    requirements,
    operation: { kind: 'tool', name: options.name },
    input,
    output,
    invoke,
    toResult: output ? (value) => toStructuredToolResult(value, output, options.name) : toCallToolResult,
  };
}
