/**
 * A scope requirement: either every listed scope (`allOf`) or at least one (`anyOf`).
 * Requirements declared on a class and on its methods all apply together.
 */
export type ScopeRequirement = { readonly allOf: readonly string[] } | { readonly anyOf: readonly string[] };

/**
 * Answers "does this caller hold that scope?"; scope hierarchies plug in here
 * so that a broader scope can satisfy a narrower one.
 */
export type ScopeHolder = (scope: string) => boolean;

/** A holder backed by a plain list of granted scopes. */
export function holderOf(granted: Iterable<string>): ScopeHolder {
  const set = new Set(granted);
  return (scope) => set.has(scope);
}

/** True when every requirement is met. An empty list means "any valid token". */
export function satisfiesAll(requirements: readonly ScopeRequirement[], holds: ScopeHolder): boolean {
  for (const requirement of requirements) {
    if (!satisfies(requirement, holds)) return false;
  }
  return true;
}

function satisfies(requirement: ScopeRequirement, holds: ScopeHolder): boolean {
  return 'allOf' in requirement ? requirement.allOf.every(holds) : requirement.anyOf.some(holds);
}

/**
 * The scopes to name in an `insufficient_scope` challenge: everything the operation
 * needs, so that a client can request exactly that set (RFC 6750 §3.1, MCP step-up).
 * For an any-of requirement the first alternative is named: authors list the
 * least-privileged choice first, and asking for more than that would over-grant.
 */
export function scopesToRequest(requirements: readonly ScopeRequirement[], holds?: ScopeHolder): string[] {
  const scopes = new Set<string>();
  for (const requirement of requirements) {
    if ('allOf' in requirement) {
      for (const scope of requirement.allOf) scopes.add(scope);
    } else if (holds && requirement.anyOf.some(holds)) {
      for (const scope of requirement.anyOf)
        if (holds(scope)) {
          scopes.add(scope);
          break;
        }
    } else if (requirement.anyOf.length > 0) {
      scopes.add(requirement.anyOf[0]);
    }
  }
  return [...scopes];
}

/** Every scope a set of requirements mentions, for `scopes_supported`. */
export function scopesMentioned(requirements: readonly ScopeRequirement[]): string[] {
  const scopes = new Set<string>();
  for (const requirement of requirements) {
    for (const scope of 'allOf' in requirement ? requirement.allOf : requirement.anyOf) scopes.add(scope);
  }
  return [...scopes];
}
