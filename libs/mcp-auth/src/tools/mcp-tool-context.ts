import type { AuthInfo } from '@modelcontextprotocol/server';
import type { McpPrincipal } from '../authentication/principal.js';
import type { DownstreamToken, DownstreamTokenRequest } from '../downstream/downstream-token.js';

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
