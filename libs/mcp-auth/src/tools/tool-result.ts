import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/**
 * Turns what a tool method returned into a `CallToolResult`: a result object passes
 * through, a string becomes one text block, anything else is sent as JSON text
 * (and as `structuredContent` when it is an object).
 */
export function toCallToolResult(value: unknown): CallToolResult {
  if (isCallToolResult(value)) return value;
  if (value === undefined) return { content: [] };
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] };
  const text = JSON.stringify(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return { content: [{ type: 'text', text }], structuredContent: value as Record<string, unknown> };
  }
  return { content: [{ type: 'text', text }] };
}

/** A failed tool execution, reported to the model rather than as a protocol error (MCP: tool errors are results). */
export function toolErrorResult(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }] };
}

function isCallToolResult(value: unknown): value is CallToolResult {
  return typeof value === 'object' && value !== null && Array.isArray((value as { content?: unknown }).content);
}
