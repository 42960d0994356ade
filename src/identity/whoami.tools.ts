import { McpTool, McpToolProvider } from 'nestjs-mcp-auth';
import type { McpToolContext } from 'nestjs-mcp-auth';

/** Tools about the caller; any valid token may use them. */
@McpToolProvider()
export class WhoamiTools {
  @McpTool({ name: 'whoami', description: "Show the caller's subject, client and scopes", annotations: { readOnlyHint: true } })
  whoami(_args: Record<string, never>, { principal }: McpToolContext) {
    return { sub: principal.sub, clientId: principal.clientId ?? null, scopes: principal.scopes };
  }
}
