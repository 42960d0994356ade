import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ZodObject, ZodRawShape } from 'zod';
import { declaredScopeRequirements } from '../authorization/require-scopes.decorator.js';
import type { ScopeRequirement } from '../authorization/scope-requirement.js';
import { scopesMentioned } from '../authorization/scope-requirement.js';
import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import { MCP_TOOL_METADATA, MCP_TOOL_PROVIDER_METADATA } from '../mcp-auth.constants.js';
import type { McpToolContext } from './mcp-tool-context.js';
import type { McpToolOptions } from './mcp-tool.decorator.js';

/** One tool, prepared once at startup. */
export interface CatalogueTool {
  readonly name: string;
  /** What `tools/list` shows. */
  readonly definition: Tool;
  /** Class requirements followed by method requirements; all must hold. */
  readonly requirements: readonly ScopeRequirement[];
  readonly input: ZodObject;
  invoke(args: unknown, context: McpToolContext): Promise<unknown>;
}

/**
 * Every tool of the application, discovered once at startup from the providers
 * marked `@McpToolProvider()`. Per-request work never depends on how many tools exist.
 */
@Injectable()
export class ToolCatalogue implements OnModuleInit {
  private readonly tools = new Map<string, CatalogueTool>();
  private supported: string[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const { metatype, instance } = wrapper;
      if (!metatype || typeof metatype !== 'function' || !Reflect.getMetadata(MCP_TOOL_PROVIDER_METADATA, metatype)) continue;
      if (!wrapper.isDependencyTreeStatic() || !instance) {
        throw new McpAuthConfigurationError('@McpToolProvider', `${metatype.name} must be a singleton provider (not request- or transient-scoped)`);
      }
      this.addProvider(metatype as abstract new (...args: never[]) => object, instance as Record<string, unknown>);
    }
    this.supported = scopesMentioned([...this.tools.values()].flatMap((tool) => tool.requirements));
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

  /** Every scope any tool declares, for `scopes_supported` and the 401 hint. */
  get scopesSupported(): readonly string[] {
    return this.supported;
  }

  private addProvider(metatype: abstract new (...args: never[]) => object, instance: Record<string, unknown>): void {
    const classRequirements = declaredScopeRequirements(metatype);
    const prototype = Object.getPrototypeOf(instance) as object;
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const method = instance[methodName];
      if (typeof method !== 'function') continue;
      const options: McpToolOptions | undefined = Reflect.getMetadata(MCP_TOOL_METADATA, method);
      if (!options) continue;
      if (this.tools.has(options.name)) {
        throw new McpAuthConfigurationError('@McpTool', `name "${options.name}" is used twice (${metatype.name}.${methodName}); tool names must be unique`);
      }
      const input = toZodObject(options.input);
      this.tools.set(options.name, {
        name: options.name,
        definition: {
          name: options.name,
          ...(options.title ? { title: options.title } : {}),
          ...(options.description ? { description: options.description } : {}),
          inputSchema: inputJsonSchema(input),
          ...(options.annotations ? { annotations: options.annotations } : {}),
        },
        requirements: [...classRequirements, ...declaredScopeRequirements(method)],
        input,
        invoke: async (args, context) => (method as (a: unknown, c: McpToolContext) => unknown).call(instance, args, context),
      });
    }
  }
}

function toZodObject(input: ZodRawShape | ZodObject | undefined): ZodObject {
  if (input === undefined) return z.object({});
  if (input instanceof z.ZodObject) return input;
  return z.object(input);
}

function inputJsonSchema(input: ZodObject): Tool['inputSchema'] {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, type: 'object' } as Tool['inputSchema'];
}
