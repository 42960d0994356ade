import { UriTemplate } from '@modelcontextprotocol/server';
import type { ReadResourceResult, Resource, ResourceTemplateType as ResourceTemplate, Variables } from '@modelcontextprotocol/server';
import type { ScopeRequirement } from '../authorization/scope-requirement.js';
import type { CatalogueCompletions } from '../completions/catalogue-completions.js';
import { contentListOf, resourceContentsOf } from '../content/content-list.js';
import { listingFields } from '../tools/mcp-method-metadata.js';
import type { McpToolContext } from '../tools/mcp-tool-context.js';
import type { McpResourceOptions } from './mcp-resource.decorator.js';

/** One resource (or resource template), prepared once at startup. */
export interface CatalogueResource {
  readonly name: string;
  /** Set for a fixed URI; a template has `template` instead. */
  readonly uri?: string;
  readonly template?: UriTemplate;
  /** What `resources/list` (or `resources/templates/list`) shows. */
  readonly definition: Resource | ResourceTemplate;
  readonly requirements: readonly ScopeRequirement[];
  /** Completers of its template's variables (`complete`), if it declares any. */
  readonly completions?: CatalogueCompletions;
  read(uri: string, variables: Variables, context: McpToolContext): Promise<ReadResourceResult>;
}

/** Prepares a `@McpResource()` method: its listing, its template matcher, and result conversion. */
export function catalogueResource(
  options: McpResourceOptions,
  requirements: readonly ScopeRequirement[],
  invoke: (...args: unknown[]) => Promise<unknown>,
): CatalogueResource {
  const common = {
    ...listingFields(options),
    ...(options.mimeType ? { mimeType: options.mimeType } : {}),
  };
  const read = async (uri: string, variables: Variables, context: McpToolContext) =>
    toReadResourceResult(await invoke(new URL(uri), variables, context), uri, options.mimeType);
  if (options.uri !== undefined) {
    return { name: options.name, uri: options.uri, definition: { uri: options.uri, ...common }, requirements, read };
  }
  return {
    name: options.name,
    template: new UriTemplate(options.uriTemplate),
    definition: { uriTemplate: options.uriTemplate, ...common },
    requirements,
    read,
  };
}

/**
 * Turns what a resource method returned into a `ReadResourceResult`: a result object passes
 * through, a string is text, bytes are a base64 blob, a block made by a content helper (or a
 * list of them) is its contents (an image or audio clip a blob of its type, an embedded
 * resource its own contents), anything else JSON text.
 */
export function toReadResourceResult(value: unknown, uri: string, mimeType: string | undefined): ReadResourceResult {
  if (typeof value === 'object' && value !== null && Array.isArray((value as { contents?: unknown }).contents))
    return value as ReadResourceResult;
  if (typeof value === 'string') return { contents: [{ uri, mimeType: mimeType ?? 'text/plain', text: value }] };
  const blocks = contentListOf(value);
  if (blocks) return { contents: blocks.map((block) => resourceContentsOf(block, uri)) };
  if (value instanceof Uint8Array)
    return { contents: [{ uri, mimeType: mimeType ?? 'application/octet-stream', blob: Buffer.from(value).toString('base64') }] };
  return { contents: [{ uri, mimeType: mimeType ?? 'application/json', text: JSON.stringify(value ?? null) }] };
}
