import 'reflect-metadata';
import type { Icon, ToolAnnotations } from '@modelcontextprotocol/server';
import { MCP_TOOL_METADATA } from '../mcp-auth.constants.js';
import { checkIcons, checkMcpName, methodMetadata } from './mcp-method-metadata.js';
import type { ToolSchema } from './tool-schemas.js';

/** What `@McpTool()` declares about a method. */
export interface McpToolOptions {
  /** The tool's name as clients see it: letters, digits, `_`, `-`, `.`, 1 to 128 characters. */
  name: string;
  /** What the tool does, for the model. */
  description?: string;
  /**
   * The arguments, as a zod shape (`{ id: z.number() }`), a `z.object(...)`, or any other Standard Schema
   * that converts itself to JSON Schema (Valibot's `toStandardJsonSchema(...)`, ArkType). Default: no arguments.
   */
  input?: ToolSchema;
  /**
   * The result, in the same forms as `input`: published as the tool's `outputSchema`
   * (JSON Schema 2020-12). The method's return value is checked against it and sent as
   * `structuredContent`, with its JSON as a text block; a value that does not match is
   * answered as a tool error (`isError: true`) naming the mismatch. Default: no declared result.
   */
  output?: ToolSchema;
  /** A display title. */
  title?: string;
  /** Icons a client may show beside the tool: `https:` or `data:` URIs (`[{ src, mimeType?, sizes?, theme? }]`). */
  icons?: Icon[];
  /** MCP tool annotations (`readOnlyHint`, `destructiveHint`, ...). */
  annotations?: ToolAnnotations;
}

/**
 * Exposes a method of an `@McpToolProvider()` class as an MCP tool.
 * The method is called with the validated arguments and a {@link McpToolContext}
 * (the caller's principal, the SDK's `authInfo`, an abort signal), or with what its
 * parameter decorators ask for (`@McpArgs()`, `@McpPrincipal()`, `@McpContext()`), through
 * the application's guards, interceptors, pipes and exception filters; it may return a
 * string, any JSON value, a full `CallToolResult`, or an `Observable` of one.
 *
 * @example
 * ```ts
 * @McpTool({
 *   name: 'delete_product',
 *   description: 'Delete a product',
 *   input: { id: z.number() },
 *   output: { id: z.number(), name: z.string() },
 * })
 * @RequireScopes('Admin.Write')
 * deleteProduct({ id }: { id: number }, { principal }: McpToolContext) { ... }
 * ```
 */
export function McpTool(options: McpToolOptions): MethodDecorator {
  checkMcpName('@McpTool', options);
  checkIcons('@McpTool', options.icons);
  return methodMetadata(MCP_TOOL_METADATA, options);
}
