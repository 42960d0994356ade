import type { AuthInfo } from '@modelcontextprotocol/server';
import type { McpPrincipal } from '../authentication/principal.js';
import type { McpOperation } from '../invocation/mcp-execution-context.js';
import type { DownstreamToken, DownstreamTokenRequest } from '../downstream/downstream-token.js';

/**
 * The last argument of every `@McpTool()`, `@McpResource()` and `@McpPrompt()` method
 * (or what `@McpContext()` injects). Enhancers read the same call, and more, through
 * `McpExecutionContext.from(context)`.
 */
export interface McpToolContext {
  /** Who is calling, from the validated access token. */
  readonly principal: McpPrincipal;
  /** The same identity in the MCP SDK's shape (`token`, `clientId`, `scopes`, `expiresAt`, `resource`). */
  readonly authInfo: AuthInfo;
  /** Aborted when the client cancels the request or the connection closes (and, for a tool, when the request timeout passes). */
  readonly signal: AbortSignal;
  /** The MCP session id, when the endpoint runs with sessions. */
  readonly sessionId?: string;
  /** What is called: `{ kind: 'tool', name }`, `{ kind: 'resource', name, uri }` or `{ kind: 'prompt', name }`. */
  readonly operation: McpOperation;
  /**
   * A token for a downstream API, for this caller (RFC 8693 token exchange or Entra
   * on-behalf-of at the caller's issuer, cached until shortly before it expires): never the
   * caller's own token. Needs the issuer's `downstream` configuration; failures throw
   * `DownstreamTokenError`, whose message becomes the tool error.
   *
   * @example
   * ```ts
   * const token = await ctx.tokenFor({ audience: 'https://inventory.example.com', scopes: ['stock:read'] });
   * await fetch(url, { headers: { authorization: token.authorization } });
   * ```
   */
  tokenFor(request: DownstreamTokenRequest): Promise<DownstreamToken>;
}

/** The same context, as `@McpResource()` and `@McpPrompt()` methods receive it. */
export type McpRequestContext = McpToolContext;
