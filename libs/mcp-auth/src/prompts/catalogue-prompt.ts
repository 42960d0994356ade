import type { GetPromptResult, Prompt, PromptArgument, PromptMessage } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ZodObject } from 'zod';
import type { ScopeRequirement } from '../authorization/scope-requirement.js';
import type { McpOperation } from '../invocation/mcp-execution-context.js';
import type { CatalogueCompletions } from '../completions/catalogue-completions.js';
import { isContentBlock } from '../content/content-blocks.js';
import { listingFields } from '../tools/mcp-method-metadata.js';
import type { McpToolContext } from '../tools/mcp-tool-context.js';
import type { McpPromptOptions } from './mcp-prompt.decorator.js';

/** One prompt, prepared once at startup. */
export interface CataloguePrompt {
  readonly name: string;
  /** What `prompts/list` shows. */
  readonly definition: Prompt;
  readonly requirements: readonly ScopeRequirement[];
  /** What its calls are, for the call context: `{ kind: 'prompt', name }`. */
  readonly operation: McpOperation;
  readonly args: ZodObject;
  /** Completers of its arguments (`complete`), if it declares any. */
  readonly completions?: CatalogueCompletions;
  get(args: Record<string, unknown>, context: McpToolContext): Promise<GetPromptResult>;
}

/** Prepares a `@McpPrompt()` method: its listing (arguments from the zod shape) and result conversion. */
export function cataloguePrompt(
  options: McpPromptOptions,
  requirements: readonly ScopeRequirement[],
  invoke: (...args: unknown[]) => Promise<unknown>,
): CataloguePrompt {
  const args = z.object(options.args ?? {});
  const promptArguments: PromptArgument[] = Object.entries(args.shape).map(([name, shape]) => {
    const schema = shape as unknown as z.ZodType;
    return {
      name,
      ...(schema.description ? { description: schema.description } : {}),
      required: !schema.safeParse(undefined).success,
    };
  });
  return {
    name: options.name,
    definition: {
      ...listingFields(options),
      ...(promptArguments.length > 0 ? { arguments: promptArguments } : {}),
    },
    requirements,
    operation: { kind: 'prompt', name: options.name },
    args,
    get: async (values, context) => toGetPromptResult(await invoke(values, context), options.description),
  };
}

/**
 * A string, or a block made by a content helper (`imageContent(...)`), becomes one user
 * message; a list becomes one message per entry (strings and blocks as user messages,
 * `{ role, content }` messages as they are); a full result passes through.
 */
export function toGetPromptResult(value: unknown, description: string | undefined): GetPromptResult {
  const withDescription = description ? { description } : {};
  if (typeof value === 'string' || isContentBlock(value)) return { ...withDescription, messages: [userMessage(value)] };
  if (Array.isArray(value)) {
    const messages = value.map((item: unknown) => (typeof item === 'string' || isContentBlock(item) ? userMessage(item) : item));
    return { ...withDescription, messages: messages as PromptMessage[] };
  }
  if (typeof value === 'object' && value !== null && Array.isArray((value as { messages?: unknown }).messages))
    return value as GetPromptResult;
  throw new TypeError('a prompt method must return a string, a list of messages or a GetPromptResult');
}

function userMessage(content: string | PromptMessage['content']): PromptMessage {
  return { role: 'user', content: typeof content === 'string' ? { type: 'text', text: content } : content };
}
