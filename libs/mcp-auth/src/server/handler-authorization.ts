import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type { AuthInfo, ServerContext } from '@modelcontextprotocol/server';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { McpAuditAction } from '../audit/audit-event.js';
import type { McpPrincipal } from '../authentication/principal.js';
import type { ScopePolicy } from '../authorization/scope-policy.js';
import type { ScopeRequirement } from '../authorization/scope-requirement.js';
import { boundedCallerText } from '../audit/caller-text.js';

/** JSON-RPC error code for "authenticated, but not allowed" inside a response (defence in depth). */
export const FORBIDDEN_ERROR_CODE = -32003;

/** What a handler acts on, as the audit trail names it. */
export type OperationTarget = { tool: string } | { resource: string } | { prompt: string };

/**
 * The checks every MCP handler repeats after the endpoint's pre-dispatch decision:
 * which catalogue entries a caller may see, and the refusal (audited, JSON-RPC -32003)
 * of an operation that reached a handler without its scopes (a batch, a custom transport).
 */
export class HandlerAuthorization {
  constructor(
    private readonly policy: ScopePolicy,
    private readonly audit: AuditTrail,
  ) {}

  /**
   * The entries a list shows the principal: those whose requirements it meets or, with
   * `listing: 'all'`, every entry (their definitions then name the scopes they need).
   */
  permitted<T extends { requirements: readonly ScopeRequirement[] }>(principal: McpPrincipal, entries: Iterable<T>): T[] {
    const listed: T[] = [];
    for (const entry of entries) if (this.policy.lists(principal, entry.requirements)) listed.push(entry);
    return listed;
  }

  /** Throws the audited -32003 refusal when the principal lacks the requirements; returns when allowed (not audited). */
  refuseIfForbidden(
    principal: McpPrincipal,
    requirements: readonly ScopeRequirement[],
    action: McpAuditAction,
    target: OperationTarget,
    ctx: ServerContext,
  ): void {
    const decision = this.policy.decide(principal, requirements);
    if (decision.allowed) return;
    this.deniedForScope(principal, decision.scopesToRequest, action, target, ctx);
    throw new ProtocolError(FORBIDDEN_ERROR_CODE, `Insufficient scope for ${describe(target)}`, {
      requiredScopes: decision.scopesToRequest,
    });
  }

  /**
   * Whether lists show the principal this entry. When they do not, the refusal is audited
   * (`insufficient_scope`) and the caller is to be answered exactly as for an entry that does
   * not exist, so that asking about it tells nothing a list would not.
   */
  shows(
    principal: McpPrincipal,
    requirements: readonly ScopeRequirement[],
    action: McpAuditAction,
    target: OperationTarget,
    ctx: ServerContext,
  ): boolean {
    if (this.policy.lists(principal, requirements)) return true;
    const decision = this.policy.decide(principal, requirements);
    if (!decision.allowed) this.deniedForScope(principal, decision.scopesToRequest, action, target, ctx);
    return false;
  }

  /** Records an operation that passed every check. */
  allowed(principal: McpPrincipal, action: McpAuditAction, target: OperationTarget, ctx: ServerContext): void {
    this.audit.decided(action, 'allowed', principal, { ...target, ...sessionField(ctx) });
  }

  private deniedForScope(
    principal: McpPrincipal,
    scopesToRequest: readonly string[],
    action: McpAuditAction,
    target: OperationTarget,
    ctx: ServerContext,
  ): void {
    this.audit.decided(action, 'denied', principal, {
      reason: 'insufficient_scope',
      ...target,
      missingScopes: this.policy.missing(principal, scopesToRequest),
      ...sessionField(ctx),
    });
  }

  /** Records a call of something the catalogue does not have (a probe, or a stale client), before the error answers it. */
  unknown(principal: McpPrincipal, action: McpAuditAction, target: OperationTarget, ctx: ServerContext): void {
    const reason = 'tool' in target ? 'unknown_tool' : 'resource' in target ? 'unknown_resource' : 'unknown_prompt';
    this.audit.decided(action, 'denied', principal, { reason, ...target, ...sessionField(ctx) });
  }
}

/** The principal the endpoint attached to the SDK's `authInfo`. */
export function principalOf(authInfo: AuthInfo | undefined): McpPrincipal {
  const principal = authInfo?.extra?.principal as McpPrincipal | undefined;
  if (!principal) throw new ProtocolError(ProtocolErrorCode.InvalidRequest, 'Unauthenticated request');
  return principal;
}

/** The session field of an audit event, when the request (an SDK context, a call's) was served on a legacy session. */
export function sessionField(ctx: { readonly sessionId?: string }): { sessionId?: string } {
  return ctx.sessionId ? { sessionId: ctx.sessionId } : {};
}

function describe(target: OperationTarget): string {
  if ('tool' in target) return `tool ${target.tool}`;
  // A resource URI is the caller's (a template's variables): bounded like every caller text.
  return 'resource' in target ? `resource ${boundedCallerText(target.resource)}` : `prompt ${target.prompt}`;
}
