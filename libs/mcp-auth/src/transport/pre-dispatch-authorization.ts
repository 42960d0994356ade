import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { AuditTrail, sessionOf } from '../audit/audit-trail.js';
import type { McpPrincipal } from '../authentication/principal.js';
import { Challenges } from '../authentication/challenges.js';
import type { BearerChallengeException } from '../authentication/bearer-challenge.exception.js';
import { ScopePolicy } from '../authorization/scope-policy.js';
import { ToolCatalogue } from '../tools/tool-catalogue.js';
import { clientAddressOf } from './client-address.js';

/**
 * Decides scope refusals before a JSON-RPC message is dispatched: only then can the
 * answer still be an HTTP 403 with an `insufficient_scope` challenge (step-up). Covers
 * `tools/call`, `resources/read` and `prompts/get`, on both protocol eras (a modern
 * request carries the same method and params, its envelope aside).
 * A batch is left to the handlers, so that one forbidden call does not fail the
 * permitted calls beside it; each forbidden call gets its own JSON-RPC error.
 */
@Injectable()
export class PreDispatchAuthorization {
  constructor(
    private readonly catalogue: ToolCatalogue,
    private readonly policy: ScopePolicy,
    private readonly challenges: Challenges,
    private readonly audit: AuditTrail,
  ) {}

  /**
   * The refusal for this message, or undefined when it may go ahead. A denial is audited
   * with the caller's address and, when `onSession` (a legacy request on a session), the
   * session it named; both are read from `req` only then, off the path of allowed calls.
   */
  check(message: unknown, principal: McpPrincipal, req: IncomingMessage, onSession: boolean): BearerChallengeException | undefined {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) return undefined;
    const { method, params } = message as { method?: unknown; params?: { name?: unknown; uri?: unknown } };
    const operation = this.catalogue.operationOf(method, params);
    if (!operation) return undefined;
    const decision = this.policy.decide(principal, operation.requirements);
    if (decision.allowed) return undefined;
    this.audit.decided(operation.action, 'denied', principal, {
      reason: 'insufficient_scope',
      ...operation.target,
      missingScopes: this.policy.missing(principal, decision.scopesToRequest),
      ...(onSession ? sessionOf(req) : {}),
      ip: clientAddressOf(req),
    });
    return this.challenges.insufficientScope(decision.scopesToRequest, operation.label, principal);
  }
}
