import type { GetPromptResult, Prompt, PromptArgument, PromptMessage } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ScopeRequirement } from '../authorization/scope-requirement.js';
import type { McpOperation } from '../invocation/mcp-execution-context.js';
import type { CatalogueCompletions } from '../completions/catalogue-completions.js';
import { isContentBlock } from '../content/content-blocks.js';
import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import { listingFields } from '../tools/mcp-method-metadata.js';
import type { McpToolContext } from '../tools/mcp-tool-context.js';
import { toObjectSchema, toolJsonSchema } from '../tools/tool-schemas.js';
import type { ObjectSchema } from '../tools/tool-schemas.js';
import type { McpPromptOptions } from './mcp-prompt.decorator.js';

/** One prompt, prepared once at startup. */
export interface CataloguePrompt {
  readonly name: string;
  /** What `prompts/list` shows. */
  readonly definition: Prompt;
  readonly requirements: readonly ScopeRequirement[];
  /** What its calls are, for the call context: `{ kind: 'prompt', name }`. */
  readonly operation: McpOperation;
  /** Its arguments' schema: a zod object, or a Standard Schema with JSON Schema. */
  readonly args: ObjectSchema;
  /** Its arguments' names, as `prompts/list` shows them. */
  readonly argumentNames: readonly string[];
  /** Completers of its arguments (`complete`), if it declares any. */
  readonly completions?: CatalogueCompletions;
  get(args: Record<string, unknown>, context: McpToolContext): Promise<GetPromptResult>;
}

/**
 * Prepares a `@McpPrompt()` method: its listing (arguments from the schema) and result conversion.
 * Throws a configuration error naming `where` when `args` is not an object schema.
 */
export function cataloguePrompt(
  options: McpPromptOptions,
  requirements: readonly ScopeRequirement[],
  invoke: (...args: unknown[]) => Promise<unknown>,
  where: string,
): CataloguePrompt {
  let args: ObjectSchema;
  let promptArguments: PromptArgument[];
  try {
    args = toObjectSchema(options.args, 'input', 'args');
    promptArguments = args instanceof z.ZodObject ? zodArguments(args) : jsonSchemaArguments(args);
  } catch (error) {
    throw new McpAuthConfigurationError('@McpPrompt', `${where} (prompt "${options.name}"): ${(error as Error).message}`);
  }
  return {
    name: options.name,
    definition: {
      ...listingFields(options),
      ...(promptArguments.length > 0 ? { arguments: promptArguments } : {}),
    },
    requirements,
    operation: { kind: 'prompt', name: options.name },
    args,
    argumentNames: promptArguments.map((argument) => argument.name),
    get: async (values, context) => toGetPromptResult(await invoke(values, context), options.description),
  };
}

/** A zod object's fields as prompt arguments: each field's description, and whether it may be left out. */
function zodArguments(args: z.ZodObject): PromptArgument[] {
  return Object.entries(args.shape).map(([name, shape]) => {
    const schema = shape as unknown as z.ZodType;
    return {
      name,
      ...(schema.description ? { description: schema.description } : {}),
      required: !schema.safeParse(undefined).success,
    };
  });
}

/** Another library's object schema as prompt arguments, from its JSON Schema: `properties`, their `description`, `required`. */
function jsonSchemaArguments(args: ObjectSchema): PromptArgument[] {
  const json = toolJsonSchema(args, 'input', 'args') as { properties?: Record<string, { description?: unknown }>; required?: unknown };
  const required = new Set(Array.isArray(json.required) ? json.required.map(String) : []);
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    ...(typeof property?.description === 'string' ? { description: property.description } : {}),
    required: required.has(name),
  }));
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
