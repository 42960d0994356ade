import type { McpCompletions } from '../completions/mcp-completion.js';
import { MCP_RESOURCE_METADATA } from '../mcp-auth.constants.js';
import type { Icon } from '@modelcontextprotocol/server';
import { checkIcons, methodMetadata } from '../tools/mcp-method-metadata.js';

/** What `@McpResource()` declares: a fixed `uri`, or a `uriTemplate` (RFC 6570) for a family of resources. */
export type McpResourceOptions = ({ uri: string; uriTemplate?: never } | { uriTemplate: string; uri?: never }) & {
  /** A short programmatic name, unique among resources. */
  name: string;
  /** A display title. */
  title?: string;
  /** Icons a client may show beside the resource: `https:` or `data:` URIs (`[{ src, mimeType?, sizes?, theme? }]`). */
  icons?: Icon[];
  /** What the resource holds, for the model. */
  description?: string;
  /** The content type of what the method returns. Default `text/plain` for strings, `application/json` otherwise. */
  mimeType?: string;
  /**
   * Suggestions for the URI template's variables as the user types (`completion/complete`):
   * for each variable, a function `(value, context) => string[]`, or the name of a method of
   * this class (so it can use injected services). Only callers that may read the resource get them.
   */
  complete?: McpCompletions;
};

/**
 * Exposes a method of an `@McpProvider()` class as an MCP resource: `resources/list`
 * (or `resources/templates/list`) shows it to callers that hold its `@RequireScopes`,
 * and `resources/read` calls the method with the requested URI, the template's
 * variables and the request context. Return a string, any JSON value, or a full
 * `ReadResourceResult`.
 *
 * @example
 * ```ts
 * @McpResource({ uri: 'products://catalog', name: 'catalog', mimeType: 'application/json' })
 * @RequireScopes('User.Read')
 * catalog() { return this.products.list(); }
 *
 * @McpResource({ uriTemplate: 'products://{id}', name: 'product' })
 * product(uri: URL, { id }: { id: string }) { return this.products.get(Number(id)); }
 * ```
 */
export function McpResource(options: McpResourceOptions): MethodDecorator {
  const target = options?.uri ?? options?.uriTemplate;
  if (
    !options ||
    (options.uri === undefined) === (options.uriTemplate === undefined) ||
    typeof target !== 'string' ||
    !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(target)
  ) {
    throw new TypeError('@McpResource needs exactly one of "uri" or "uriTemplate", an absolute URI such as products://catalog');
  }
  if (typeof options.name !== 'string' || options.name.trim() === '') throw new TypeError('@McpResource needs a "name"');
  checkIcons('@McpResource', options.icons);
  return methodMetadata(MCP_RESOURCE_METADATA, options);
}
