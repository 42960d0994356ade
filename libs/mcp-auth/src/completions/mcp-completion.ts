import type { McpRequestContext } from '../tools/mcp-tool-context.js';

/** What a completer receives besides the text typed so far: the caller, and the arguments already chosen. */
export interface McpCompletionContext extends McpRequestContext {
  /** The values the user already chose for the other arguments (`context.arguments` of the request). */
  readonly arguments: Readonly<Record<string, string>>;
}

/**
 * Suggests values for one argument as the user types: `value` is what they typed so far.
 * Return the suggestions best first; the first 100 are sent, with the total count.
 */
export type McpCompleter = (value: string, context: McpCompletionContext) => Iterable<string> | Promise<Iterable<string>>;

/**
 * The `complete` option of `@McpPrompt()` (its arguments) and of a templated `@McpResource()`
 * (its URI template's variables): for each argument, a function, or the name of a method of
 * the same class (called on the provider instance, so it can use the class's injected services).
 */
export type McpCompletions = Readonly<Record<string, McpCompleter | string>>;
