import type { Icon } from '@modelcontextprotocol/server';
import type { McpCompletions } from '../completions/mcp-completion.js';
import { MCP_PROMPT_METADATA } from '../mcp-auth.constants.js';
import { checkIcons, checkMcpName, methodMetadata } from '../tools/mcp-method-metadata.js';
import type { ToolSchema } from '../tools/tool-schemas.js';

/** What `@McpPrompt()` declares about a method. */
export interface McpPromptOptions {
  /** The prompt's name as clients see it: letters, digits, `_`, `-`, `.`, 1 to 128 characters. */
  name: string;
  /** A display title. */
  title?: string;
  /** Icons a client may show beside the prompt: `https:` or `data:` URIs (`[{ src, mimeType?, sizes?, theme? }]`). */
  icons?: Icon[];
  /** What the prompt is for. */
  description?: string;
  /**
   * The arguments (MCP prompt arguments are strings): a zod shape (`{ id: z.string() }`), a `z.object(...)`,
   * or another Standard Schema that describes itself as JSON Schema (Valibot through `toStandardJsonSchema`,
   * ArkType), as a tool's `input`. `prompts/list` names each property, its description and whether it is
   * required. Default: none.
   */
  args?: ToolSchema;
  /**
   * Suggestions for argument values as the user types (`completion/complete`): for each
   * argument, a function `(value, context) => string[]`, or the name of a method of this
   * class (so it can use injected services). Only callers that may get the prompt get them.
   */
  complete?: McpCompletions;
}

/**
 * Exposes a method of an `@McpProvider()` class as an MCP prompt: `prompts/list` shows
 * it to callers that hold its `@RequireScopes`, and `prompts/get` calls the method with
 * the validated arguments and the request context. Return a string (one user message),
 * a list of messages, or a full `GetPromptResult`.
 *
 * @example
 * ```ts
 * @McpPrompt({ name: 'product_description', description: 'Write a product blurb', args: { id: z.string() } })
 * @RequireScopes('User.Write')
 * describe({ id }: { id: string }) { return `Write a description of ${this.products.get(Number(id)).name}`; }
 * ```
 */
export function McpPrompt(options: McpPromptOptions): MethodDecorator {
  checkMcpName('@McpPrompt', options);
  checkIcons('@McpPrompt', options.icons);
  return methodMetadata(MCP_PROMPT_METADATA, options);
}
