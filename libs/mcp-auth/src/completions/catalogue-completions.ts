import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import type { McpCompleter, McpCompletionContext, McpCompletions } from './mcp-completion.js';

/** A prompt's or resource template's completers, by argument name, ready to call. */
export type CatalogueCompletions = ReadonlyMap<string, (value: string, context: McpCompletionContext) => Promise<Iterable<string>>>;

/**
 * The completers `complete` declares, checked once at startup: each names an argument the
 * prompt (or a variable the URI template) has, and is a function or a method of `instance`.
 * A mistake is a startup error naming the decorator, the method and the fix. A request-scoped
 * or transient provider has no instance at startup (`instance` undefined): its completers
 * must be functions, since a method named by string would need an instance per completion.
 */
export function catalogueCompletions(
  complete: McpCompletions | undefined,
  argumentNames: readonly string[],
  instance: object | undefined,
  decorator: '@McpPrompt' | '@McpResource',
  where: string,
): CatalogueCompletions | undefined {
  if (complete === undefined) return undefined;
  if (typeof complete !== 'object' || complete === null || Array.isArray(complete)) {
    throw new McpAuthConfigurationError(
      `${decorator} complete`,
      `${where}: must map argument names to completers, e.g. { id: 'completeIds' }`,
    );
  }
  const completers = new Map<string, (value: string, context: McpCompletionContext) => Promise<Iterable<string>>>();
  for (const [argument, completer] of Object.entries(complete)) {
    if (!argumentNames.includes(argument)) {
      const noun = decorator === '@McpPrompt' ? 'arguments' : 'URI template variables';
      throw new McpAuthConfigurationError(
        `${decorator} complete`,
        `${where}: "${argument}" is not one of its ${noun} (${argumentNames.join(', ') || 'none'})`,
      );
    }
    if (typeof completer === 'string' && instance === undefined) {
      throw new McpAuthConfigurationError(
        `${decorator} complete`,
        `${where}: the completer of "${argument}" names a method, which needs a singleton provider; give a function instead`,
      );
    }
    const method = typeof completer === 'string' ? (instance as Record<string, unknown>)[completer] : completer;
    if (typeof method !== 'function') {
      throw new McpAuthConfigurationError(
        `${decorator} complete`,
        `${where}: the completer of "${argument}" must be a function or the name of a method of the class (got ${JSON.stringify(completer)})`,
      );
    }
    const bound = (method as McpCompleter).bind(instance);
    completers.set(argument, async (value, context) => bound(value, context));
  }
  return completers;
}
