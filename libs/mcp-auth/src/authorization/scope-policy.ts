import { Inject, Injectable } from '@nestjs/common';
import type { McpPrincipal } from '../authentication/principal.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { FLAT_SCOPE_HIERARCHY, expandScopes, withoutImpliedScopes } from './scope-hierarchy.js';
import type { ScopeHierarchy } from './scope-hierarchy.js';
import type { McpListing } from './listing.js';
import type { ScopeHolder, ScopeRequirement } from './scope-requirement.js';
import { holderOf, satisfiesAll, scopesToRequest } from './scope-requirement.js';

/** The outcome of checking a principal against an operation's requirements. */
export type ScopeDecision = { readonly allowed: true } | { readonly allowed: false; readonly scopesToRequest: readonly string[] };

const ALLOWED: ScopeDecision = { allowed: true };

/**
 * Decides whether a principal may perform an operation. The one place that
 * knows how granted scopes are compared with required ones, including the
 * `scopeHierarchy` (a broader scope satisfies the narrower ones it implies).
 */
@Injectable()
export class ScopePolicy {
  private readonly holders = new WeakMap<McpPrincipal, ScopeHolder>();
  private readonly hierarchy: ScopeHierarchy;
  private readonly listing: McpListing;
  private readonly baseline?: readonly string[];

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS)
    options: Pick<ResolvedMcpAuthOptions, 'scopeHierarchy'> & Partial<Pick<ResolvedMcpAuthOptions, 'listing' | 'baselineScopes'>>,
  ) {
    this.hierarchy = options.scopeHierarchy ?? FLAT_SCOPE_HIERARCHY;
    this.listing = options.listing ?? 'granted';
    this.baseline = options.baselineScopes;
  }

  /** What the principal holds, implied scopes included, remembered for the life of the principal (one request). */
  holderFor(principal: McpPrincipal): ScopeHolder {
    let holder = this.holders.get(principal);
    if (!holder) {
      holder = holderOf(expandScopes(principal.scopes, this.hierarchy));
      this.holders.set(principal, holder);
    }
    return holder;
  }

  /** Of `scopes`, the ones the principal does not hold: what an audit event reports as missing. */
  missing(principal: McpPrincipal, scopes: readonly string[]): string[] {
    const holder = this.holderFor(principal);
    return scopes.filter((scope) => !holder(scope));
  }

  decide(principal: McpPrincipal, requirements: readonly ScopeRequirement[]): ScopeDecision {
    if (requirements.length === 0) return ALLOWED;
    const holder = this.holderFor(principal);
    if (satisfiesAll(requirements, holder)) return ALLOWED;
    return { allowed: false, scopesToRequest: this.requiredScopes(requirements) };
  }

  /**
   * The scopes an operation needs, as its 403 challenge names them: for an any-of
   * requirement the first alternative, and no scope another one listed already implies.
   */
  requiredScopes(requirements: readonly ScopeRequirement[]): string[] {
    return withoutImpliedScopes(scopesToRequest(requirements), this.hierarchy);
  }

  /** Whether lists show the principal an entry: with `listing: 'all'` every entry, otherwise those it may use. */
  lists(principal: McpPrincipal, requirements: readonly ScopeRequirement[]): boolean {
    return this.listing === 'all' || this.decide(principal, requirements).allowed;
  }

  /** Every scope worth advertising: those the tools mention and those the hierarchy names. */
  supportedScopes(mentioned: readonly string[]): string[] {
    return [...new Set([...mentioned, ...this.hierarchy.scopes])];
  }

  /**
   * What a client should ask for on first use (the 401 hint, `scopes_supported`): the
   * configured `baselineScopes`, else the narrowest of the supported scopes, those that
   * imply no other one. Never `offline_access`. Step-up asks for the rest when needed.
   */
  baselineScopes(mentioned: readonly string[]): string[] {
    const supported = this.supportedScopes(mentioned);
    const baseline =
      this.baseline ?? supported.filter((scope) => ![...this.hierarchy.implied(scope)].some((implied) => supported.includes(implied)));
    return baseline.filter((scope) => scope !== 'offline_access');
  }
}
