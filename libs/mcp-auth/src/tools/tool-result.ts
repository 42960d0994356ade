import { Logger } from '@nestjs/common';
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { ZodObject } from 'zod';
import { checkAgainst } from './tool-schemas.js';
import type { Checked, ObjectSchema } from './tool-schemas.js';
import { contentListOf } from '../content/content-list.js';

const logger = new Logger('McpAuth');

/**
 * Turns what a tool method returned into a `CallToolResult`: a result object passes
 * through, a string becomes one text block, a block made by a content helper
 * (`imageContent(...)`, `resourceLink(...)`) or a list of such blocks and strings becomes
 * that content, anything else is sent as JSON text (and as `structuredContent` when it is an object).
 */
export function toCallToolResult(value: unknown): CallToolResult {
  if (isCallToolResult(value)) return value;
  if (value === undefined) return { content: [] };
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] };
  const content = contentListOf(value);
  if (content) return { content };
  const text = JSON.stringify(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return { content: [{ type: 'text', text }], structuredContent: value as Record<string, unknown> };
  }
  return { content: [{ type: 'text', text }] };
}

/**
 * The result of a tool that declares an `output` schema. The returned value (or the
 * `structuredContent` of a full `CallToolResult`) is checked against the schema and sent
 * as `structuredContent`, with its JSON in a text block for clients that read only
 * `content` (the specification's advice for backwards compatibility). A value that does
 * not match is a tool error result naming the mismatch: the client's own check against
 * `outputSchema` would otherwise reject the whole call. A result with `isError` passes through.
 * Synchronous with zod; another Standard Schema library may check asynchronously.
 */
export function toStructuredToolResult(value: unknown, output: ZodObject, tool: string): CallToolResult;
export function toStructuredToolResult(value: unknown, output: ObjectSchema, tool: string): CallToolResult | Promise<CallToolResult>;
export function toStructuredToolResult(value: unknown, output: ObjectSchema, tool: string): CallToolResult | Promise<CallToolResult> {
  if (isCallToolResult(value) && value.isError) return value;
  const structured = isCallToolResult(value) ? value.structuredContent : value;
  const checked = checkAgainst(output, structured);
  return checked instanceof Promise ? checked.then((done) => structuredResult(value, done, tool)) : structuredResult(value, checked, tool);
}

function structuredResult(value: unknown, checked: Checked, tool: string): CallToolResult {
  if (!checked.ok) {
    const message = `Tool ${tool} returned a result that does not match its output schema: ${checked.issues}`;
    logger.warn(message);
    return toolErrorResult(message);
  }
  const structuredContent = checked.value;
  if (isCallToolResult(value)) return { ...value, structuredContent };
  return { content: [{ type: 'text', text: JSON.stringify(structuredContent) }], structuredContent };
}

/** A failed tool execution, reported to the model rather than as a protocol error (MCP: tool errors are results). */
export function toolErrorResult(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }] };
}

function isCallToolResult(value: unknown): value is CallToolResult {
  return typeof value === 'object' && value !== null && Array.isArray((value as { content?: unknown }).content);
}
