import type { McpAuditAction } from '../audit/audit-event.js';
import type { TokenRejectionCode } from '../authentication/token-rejection.js';
import { DPOP_REJECTION_CODES } from '../authentication/dpop/dpop-rejection.js';

/**
 * Label values are bounded sets: whatever a caller sends (a made-up method, an odd status,
 * a new reason) is folded into `other`, so no caller can grow the number of series, and no
 * label ever carries a token, a subject, a client id, an address, a session id or an argument.
 */

/** The MCP methods a client sends a server, in both eras; any other method is counted as `other`. */
const MCP_METHODS: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'server/discover',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'subscriptions/listen',
  'tasks/get',
  'tasks/list',
  'tasks/result',
  'tasks/cancel',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/roots/list_changed',
]);

/**
 * The `method` label of a JSON-RPC message: a known MCP method, `batch` for an array, `response`
 * for a client's answer to a server request, `other` for anything else.
 */
export function methodLabel(message: unknown): string {
  if (Array.isArray(message)) return 'batch';
  if (typeof message !== 'object' || message === null) return 'other';
  const method = (message as { method?: unknown }).method;
  if (typeof method === 'string') return MCP_METHODS.has(method) ? method : 'other';
  return 'result' in message || 'error' in message ? 'response' : 'other';
}

const STATUSES: ReadonlySet<number> = new Set([200, 202, 204, 400, 401, 403, 404, 405, 406, 408, 413, 415, 429, 431, 500, 503]);

/** The `status` label: the statuses the endpoint answers with, any other as its class (`2xx`, `5xx`...). */
export function statusLabel(status: number): string {
  return STATUSES.has(status) ? String(status) : `${Math.min(Math.max(Math.floor(status / 100), 1), 5)}xx`;
}

const HTTP_METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'DELETE', 'OPTIONS']);

/** The `http_method` label: the methods the endpoint serves, anything else `other`. */
export function httpMethodLabel(method: string | undefined): string {
  return method !== undefined && HTTP_METHODS.has(method) ? method : 'other';
}

const TOKEN_REJECTIONS: readonly TokenRejectionCode[] = [
  'malformed',
  'unsupported_algorithm',
  'unsupported_critical_header',
  'invalid_signature',
  'unknown_signing_key',
  'signing_keys_unavailable',
  'expired',
  'not_yet_valid',
  'missing_expiry',
  'missing_subject',
  'invalid_claim',
  'wrong_issuer',
  'wrong_audience',
  'unknown_api_key',
  'inactive',
  'introspection_unavailable',
];

/** Why a decision was a denial (see `McpAuditEvent.reason`); `none` for an allowed one, `other` for a reason not listed here. */
const REASONS: ReadonlySet<string> = new Set<string>([
  ...TOKEN_REJECTIONS,
  ...DPOP_REJECTION_CODES,
  'missing_token',
  'invalid_request',
  'unknown_user',
  'insufficient_scope',
  'session_not_owned',
  'rate_limited',
  'unknown_tool',
  'unknown_resource',
  'unknown_prompt',
  'guard_denied',
  // Refused requestState of a 2026-07-28 round (issue 22): see RequestStateRefusal.
  'request_state_invalid',
  'request_state_expired',
  'request_state_other_principal',
  'request_state_other_operation',
  'request_state_other_arguments',
  'request_state_other_questions',
  'request_state_replayed',
]);

const DPOP_REASONS: ReadonlySet<string> = new Set<string>(DPOP_REJECTION_CODES);

/** True for the reason of a DPoP refusal (counted in the DPoP metric too). */
export function isDpopReason(reason: string | undefined): boolean {
  return reason !== undefined && DPOP_REASONS.has(reason);
}

/** The `reason` label of a decision. */
export function reasonLabel(reason: string | undefined): string {
  if (reason === undefined) return 'none';
  return REASONS.has(reason) ? reason : 'other';
}

const ACTIONS: ReadonlySet<McpAuditAction> = new Set<McpAuditAction>([
  'authenticate',
  'tools/list',
  'tools/call',
  'resources/read',
  'prompts/get',
  'completion/complete',
  'session',
  'rate_limit',
]);

/** The `action` label of an authorization decision. */
export function actionLabel(action: string): string {
  return ACTIONS.has(action as McpAuditAction) ? action : 'other';
}
