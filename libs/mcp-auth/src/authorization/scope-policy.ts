import { Injectable } from '@nestjs/common';
import type { McpPrincipal } from '../authentication/principal.js';
import type { ScopeHolder, ScopeRequirement } from './scope-requirement.js';
import { holderOf, satisfiesAll, scopesToRequest } from './scope-requirement.js';

/** The outcome of checking a principal against an operation's requirements. */
export type ScopeDecision = { readonly allowed: true } | { readonly allowed: false; readonly scopesToRequest: readonly string[] };

const ALLOWED: ScopeDecision = { allowed: true };

/**
 * Decides whether a principal may perform an operation. The one place that
 * knows how granted scopes are compared with required ones.
 */
@Injectable()
export class ScopePolicy {
  private readonly holders = new WeakMap<McpPrincipal, ScopeHolder>();

  /** What the principal holds, remembered for the life of the principal (one request). */
  holderFor(principal: McpPrincipal): ScopeHolder {
    let holder = this.holders.get(principal);
    if (!holder) {
      holder = holderOf(principal.scopes);
      this.holders.set(principal, holder);
    }
    return holder;
  }

  decide(principal: McpPrincipal, requirements: readonly ScopeRequirement[]): ScopeDecision {
    if (requirements.length === 0) return ALLOWED;
    const holder = this.holderFor(principal);
    if (satisfiesAll(requirements, holder)) return ALLOWED;
    return { allowed: false, scopesToRequest: scopesToRequest(requirements) };
  }
}
