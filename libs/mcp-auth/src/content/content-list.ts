import type { BlobResourceContents, ContentBlock, TextResourceContents } from '@modelcontextprotocol/server';
import { isContentBlock } from './content-blocks.js';

/**
 * The content blocks a method's return value stands for: one block made by a helper
 * (`imageContent(...)`), or a list of such blocks and strings (each string a text block).
 * Undefined for anything else, which keeps its meaning (a list of plain values is JSON).
 */
export function contentListOf(value: unknown): ContentBlock[] | undefined {
  if (isContentBlock(value)) return [value];
  if (!Array.isArray(value) || !value.some(isContentBlock)) return undefined;
  if (!value.every((item) => typeof item === 'string' || isContentBlock(item))) return undefined;
  return value.map((item: string | ContentBlock) => (typeof item === 'string' ? { type: 'text', text: item } : item));
}

/**
 * A content block as the contents of `resources/read` for `uri`: an image or audio clip is a
 * blob of its type, an embedded resource is its own contents. A resource link has no contents
 * to give (the client reads the linked resource itself), so returning one is a mistake.
 */
export function resourceContentsOf(block: ContentBlock, uri: string): TextResourceContents | BlobResourceContents {
  switch (block.type) {
    case 'image':
    case 'audio':
      return { uri, mimeType: block.mimeType, blob: block.data };
    case 'resource':
      return block.resource;
    case 'text':
      return { uri, mimeType: 'text/plain', text: block.text };
    default:
      throw new TypeError(`a resource method cannot return a ${block.type} block: return the contents, or embeddedResource(...)`);
  }
}
