/**
 * What was decided about: authenticating a request, listing tools, calling one, reading a resource or subscribing to
 * its updates (2025 sessions), getting a prompt, using a session, or the traffic limits.
 */
export type McpAuditAction =
  'authenticate' | 'tools/list' | 'tools/call' | 'resources/read' | 'resources/subscribe' | 'prompts/get' | 'session' | 'rate_limit';

/**
 * One authorization decision, as a SIEM wants it: who (issuer, subject, client, IP),
 * what (action, tool), the outcome and why. Never contains the token.
 */
export interface McpAuditEvent {
  /** When the decision was made (ISO 8601, UTC). */
  readonly time: string;
  readonly action: McpAuditAction;
  readonly outcome: 'allowed' | 'denied';
  /**
   * Why it was denied: a token rejection code (`expired`, `wrong_audience`, ...,
   * see `TokenRejectionCode`), `missing_token`, `invalid_request`, `unknown_user`,
   * `insufficient_scope`, `session_not_owned`, `rate_limited`, and `unknown_tool`,
   * `unknown_resource`, `unknown_prompt` for a call of something the server does not have.
   */
  readonly reason?: string;
  /** The token's issuer (`iss`), once the token is validated. */
  readonly issuer?: string;
  /** The token's subject (`sub`), once the token is validated. */
  readonly subject?: string;
  /** The OAuth client (`client_id`/`azp`/`appid`), once the token is validated. */
  readonly client?: string;
  /** The tool called (`tools/call`), at most 256 characters (then ending in `…`): the caller names it. */
  readonly tool?: string;
  /** The resource read (`resources/read`) or subscribed to (`resources/subscribe`), at most 256 characters like `tool`. */
  readonly resource?: string;
  /** The prompt requested (`prompts/get`), at most 256 characters like `tool`. */
  readonly prompt?: string;
  /** Tools shown by a listing (`tools/list`). */
  readonly tools?: readonly string[];
  /** Scopes the tool, resource or prompt needs that the caller lacks (`insufficient_scope`). */
  readonly missingScopes?: readonly string[];
  /** The legacy MCP session the request named, if any (a 2026-07-28 request has none), at most 64 characters. */
  readonly sessionId?: string;
  /** The caller's address as the HTTP server saw it. */
  readonly ip?: string;
}
