import type { McpAuditAction } from '../audit/audit-event.js';
import type { OperationTarget } from '../server/handler-authorization.js';
import type { McpOperation } from './mcp-execution-context.js';

/** The audit trail's names for an operation: its action, and what it acts on. */
export function auditedOperation(operation: McpOperation): { action: McpAuditAction; target: OperationTarget } {
  if (operation.kind === 'tool') return { action: 'tools/call', target: { tool: operation.name } };
  if (operation.kind === 'resource') return { action: 'resources/read', target: { resource: operation.uri } };
  return { action: 'prompts/get', target: { prompt: operation.name } };
}
