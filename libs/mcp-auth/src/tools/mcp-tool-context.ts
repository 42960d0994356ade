import type { AuthInfo } from '@modelcontextprotocol/server';
import type { McpPrincipal } from '../authentication/principal.js';

/** The second argument of every `@McpTool()` method. */
export interface McpToolContext {
  /** Who is calling, from the validated access token. */
  readonly principal: McpPrincipal;
  /** The same identity in the MCP SDK's shape (`token`, `clientId`, `scopes`, `expiresAt`, `resource`). */
  readonly authInfo: AuthInfo;
  /** Aborted when the client cancels the request or the connection closes. */
  readonly signal: AbortSignal;
  /** The MCP session id, when the endpoint runs with sessions. */
  readonly sessionId?: string;
}

/** The same context, as `@McpResource()` and `@McpPrompt()` methods receive it. */
export type McpRequestContext = McpToolContext;
