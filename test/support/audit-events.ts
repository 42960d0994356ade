import type { McpAuditEvent } from 'nestjs-mcp-auth';

/** Runs one request against an app whose audit sink appends to `events`; returns its answer (body read) and the events it produced. */
export async function auditedRequest(
  events: readonly McpAuditEvent[],
  request: () => Promise<Response>,
): Promise<{ response: Response; events: McpAuditEvent[] }> {
  const before = events.length;
  const response = await request();
  await response.arrayBuffer();
  return { response, events: events.slice(before) };
}
