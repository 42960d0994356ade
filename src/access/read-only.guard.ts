import { ForbiddenException, Injectable } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { McpExecutionContext, ToolCatalogue } from 'nestjs-mcp-auth';
import type { McpContextType } from 'nestjs-mcp-auth';

/**
 * While the catalogue is read-only (MCP_EXAMPLE_READ_ONLY=true), refuses every tool that
 * does not declare itself read-only (`annotations: { readOnlyHint: true }`); resources,
 * prompts and reading tools keep working. The caller gets JSON-RPC -32003 with the
 * message below, and the audit trail a `guard_denied` decision naming this guard. Registered as a
 * global guard (APP_GUARD), it also sees the application's HTTP routes, which it leaves alone.
 */
@Injectable()
export class ReadOnlyGuard implements CanActivate {
  constructor(private readonly catalogue: ToolCatalogue) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType<McpContextType>() !== 'mcp') return true;
    const { operation } = McpExecutionContext.from(context);
    if (operation.kind !== 'tool' || this.catalogue.get(operation.name)?.definition.annotations?.readOnlyHint === true) return true;
    throw new ForbiddenException(`The catalogue is read-only: ${operation.name} is not available`);
  }
}
