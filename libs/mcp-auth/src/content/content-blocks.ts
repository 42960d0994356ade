import type { Annotations, AudioContent, EmbeddedResource, Icon, ImageContent, ResourceLink } from '@modelcontextprotocol/server';

/** Bytes, or text already encoded in base64. */
export type BinaryData = Uint8Array | ArrayBuffer | string;

/** What every content block may carry besides its content: MCP annotations and `_meta`. */
export interface ContentBlockOptions {
  /** Who the content is for (`audience`), how much it matters (`priority`), when it changed (`lastModified`). */
  annotations?: Annotations;
  _meta?: Record<string, unknown>;
}

/** A content block made by one of the helpers below: what a tool, prompt or resource method may return. */
export type McpContentBlock = ImageContent | AudioContent | EmbeddedResource | ResourceLink;

/**
 * Marks the blocks the helpers make, so that a method returning one (or a list of them) is
 * sent as content while a domain object that happens to have a `type` field is still sent as
 * JSON. Not enumerable: it never reaches the wire and deep-equality checks in tests do not see
 * it (a spread copy is a plain object again; pass `annotations` and `_meta` as options instead).
 */
const CONTENT_BLOCK = Symbol.for('nestjs-mcp-auth.contentBlock');

/**
 * An image for the model or the user, from bytes or base64 text.
 *
 * @example
 * ```ts
 * @McpTool({ name: 'sales_chart', description: 'This month’s sales as a chart' })
 * async chart() { return imageContent(await this.charts.render(), 'image/png'); }
 * ```
 */
export function imageContent(data: BinaryData, mimeType: string, options: ContentBlockOptions = {}): ImageContent {
  return brand({ type: 'image', data: base64Of(data, 'imageContent'), mimeType: mimeTypeOf(mimeType, 'imageContent'), ...options });
}

/**
 * A sound clip, from bytes or base64 text.
 *
 * @example
 * ```ts
 * return [`Recorded ${seconds} s`, audioContent(wav, 'audio/wav')];
 * ```
 */
export function audioContent(data: BinaryData, mimeType: string, options: ContentBlockOptions = {}): AudioContent {
  return brand({ type: 'audio', data: base64Of(data, 'audioContent'), mimeType: mimeTypeOf(mimeType, 'audioContent'), ...options });
}

/**
 * A resource's contents carried inside the result: text for a string, a base64 blob for bytes.
 * `mimeType` defaults to `text/plain` for text and `application/octet-stream` for bytes.
 *
 * @example
 * ```ts
 * return embeddedResource(`products://items/${id}`, JSON.stringify(product), { mimeType: 'application/json' });
 * ```
 */
export function embeddedResource(
  uri: string,
  contents: string | Uint8Array | ArrayBuffer,
  options: ContentBlockOptions & { mimeType?: string } = {},
): EmbeddedResource {
  const { mimeType, ...rest } = options;
  checkUri(uri, 'embeddedResource');
  const resource =
    typeof contents === 'string'
      ? { uri, mimeType: mimeTypeOf(mimeType ?? 'text/plain', 'embeddedResource'), text: contents }
      : {
          uri,
          mimeType: mimeTypeOf(mimeType ?? 'application/octet-stream', 'embeddedResource'),
          blob: base64Of(contents, 'embeddedResource'),
        };
  return brand({ type: 'resource', resource, ...rest });
}

/** What a {@link resourceLink} tells the client about the linked resource besides its URI. */
export interface ResourceLinkOptions extends ContentBlockOptions {
  /** A short programmatic name (required by MCP). */
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  /** Size in bytes, when known. */
  size?: number;
  icons?: Icon[];
}

/**
 * A pointer to a resource the client may read (`resources/read`) instead of its contents:
 * for large or private content that the client fetches with its own authorization.
 *
 * @example
 * ```ts
 * return resourceLink(`products://items/${product.id}`, { name: product.name, mimeType: 'application/json' });
 * ```
 */
export function resourceLink(uri: string, options: ResourceLinkOptions): ResourceLink {
  checkUri(uri, 'resourceLink');
  if (typeof options?.name !== 'string' || options.name === '') throw new TypeError('resourceLink: options.name is required');
  return brand({ type: 'resource_link', uri, ...options });
}

/** Whether `value` is a block made by one of the helpers. */
export function isContentBlock(value: unknown): value is McpContentBlock {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[CONTENT_BLOCK] === true;
}

function brand<T extends object>(block: T): T {
  return Object.defineProperty(block, CONTENT_BLOCK, { value: true });
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function base64Of(data: BinaryData, helper: string): string {
  if (typeof data === 'string') {
    if (!BASE64.test(data)) throw new TypeError(`${helper}: data must be bytes or base64 text`);
    return data;
  }
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('base64');
  throw new TypeError(`${helper}: data must be bytes or base64 text`);
}

function mimeTypeOf(mimeType: unknown, helper: string): string {
  if (typeof mimeType !== 'string' || !/^[\w.+-]+\/[\w.+-]+/.test(mimeType)) {
    throw new TypeError(`${helper}: mimeType must be a media type such as "image/png" (got ${JSON.stringify(mimeType)})`);
  }
  return mimeType;
}

function checkUri(uri: unknown, helper: string): void {
  if (typeof uri !== 'string' || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri)) {
    throw new TypeError(`${helper}: uri must be an absolute URI such as products://items/1 (got ${JSON.stringify(uri)})`);
  }
}
