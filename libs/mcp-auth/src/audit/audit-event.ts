/**
 * What was decided about: authenticating a request, listing tools, calling one, reading a resource or subscribing to
 * its updates (2025 sessions), getting a prompt, completing a prompt's or resource template's argument, using a
 * session, or the traffic limits.
 */
export type McpAuditAction =
  | 'authenticate'
  | 'tools/list'
  | 'tools/call'
  | 'resources/read'
  | 'resources/subscribe'
  | 'prompts/get'
  | 'completion/complete'
  | 'session'
  | 'rate_limit';

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
   * `insufficient_scope`, `session_not_owned`, `rate_limited`, `unknown_tool`,
   * `unknown_resource`, `unknown_prompt` for a call of something the server does not have,
   * `guard_denied` for a call one of the application's guards refused (see `guard`),
   * a DPoP refusal's code (`dpop_proof_replayed`, `dpop_nonce_required`, ..., see `DpopRejectionCode`), and the
   * `request_state_*` refusals of a 2026-07-28 round's state (`request_state_invalid`, `_expired`,
   * `_other_principal`, `_other_operation`, `_other_arguments`, `_other_questions`, `_replayed`).
   */
  readonly reason?: string;
  /** The token's issuer (`iss`), once the token is validated. */
  readonly issuer?: string;
  /** The token's subject (`sub`), once the token is validated. */
  readonly subject?: string;
  /** The OAuth client (`client_id`/`azp`/`appid`), once the token is validated. */
  readonly client?: string;
  /**
   * The thumbprint of the DPoP key the request proved possession of (RFC 9449 `cnf.jkt`), when
   * its token is DPoP-bound; absent for a bearer token. A public key's digest, not a secret.
   */
  readonly dpopJkt?: string;
  /** The tool called (`tools/call`), at most 256 characters (then ending in `…`): the caller names it. */
  readonly tool?: string;
  /**
   * The resource read (`resources/read`) or subscribed to (`resources/subscribe`), or the URI template
   * completed (`completion/complete`), at most 256 characters like `tool`.
   */
  readonly resource?: string;
  /** The prompt requested (`prompts/get`) or completed (`completion/complete`), at most 256 characters like `tool`. */
  readonly prompt?: string;
  /** The application guard (its class name) that refused the call (`guard_denied`). */
  readonly guard?: string;
  /** Tools shown by a listing (`tools/list`). */
  readonly tools?: readonly string[];
  /** Scopes the tool, resource or prompt needs that the caller lacks (`insufficient_scope`). */
  readonly missingScopes?: readonly string[];
  /** The legacy MCP session the request named, if any (a 2026-07-28 request has none), at most 64 characters. */
  readonly sessionId?: string;
  /** The caller's address as the HTTP server saw it. */
  readonly ip?: string;
}
