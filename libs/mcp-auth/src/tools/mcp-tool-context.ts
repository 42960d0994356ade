import type { AuthInfo, ClientCapabilities, LoggingLevel } from '@modelcontextprotocol/server';
import type { McpAsking } from '../asking/mcp-input.js';
import type { McpPrincipal } from '../authentication/principal.js';
import type { McpOperation } from '../invocation/mcp-execution-context.js';
import type { DownstreamToken, DownstreamTokenRequest } from '../downstream/downstream-token.js';

/**
 * The last argument of every `@McpTool()`, `@McpResource()` and `@McpPrompt()` method
 * (or what `@McpContext()` injects). Enhancers read the same call, and more, through
 * `McpExecutionContext.from(context)`. Asking the client for input (`elicit`, `elicitUrl`,
 * `sample`, `listRoots`, `ask`) is described on {@link McpAsking}.
 */
export interface McpToolContext extends McpAsking {
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
  /**
   * What the client declared it can do: on 2026-07-28 the request's own declaration, on a
   * 2025 session what it declared at `initialize` (undefined without a session). Check it
   * before asking for something optional, e.g. `ctx.clientCapabilities?.elicitation`.
   */
  readonly clientCapabilities: ClientCapabilities | undefined;
  /**
   * Reports how far the call has come (`notifications/progress`), when the client asked for
   * progress (a `progressToken` in the request's `_meta`); otherwise sends nothing. Each report
   * must be greater than the last (others are dropped). On 2026-07-28 the answer becomes a stream
   * at the first report; on a 2025 session it goes on the request's stream. Never rejects.
   *
   * @example
   * ```ts
   * for (const [index, row] of rows.entries()) { await this.store.insert(row); await ctx.progress(index + 1, rows.length); }
   * ```
   */
  progress(done: number, total?: number, message?: string): Promise<void>;
  /**
   * Sends the client a log message (`notifications/message`) at `level`, when the client asked
   * for that level or a lower one: on 2026-07-28 in the request's `_meta`, on a 2025 session
   * with `logging/setLevel`. A client that asked for nothing gets nothing. The caller's own
   * access token is replaced by `[token]` wherever it appears in `data`. Never rejects.
   */
  log(level: LoggingLevel, data: unknown, logger?: string): Promise<void>;
}

/** The same context, as `@McpResource()` and `@McpPrompt()` methods receive it. */
export type McpRequestContext = McpToolContext;
