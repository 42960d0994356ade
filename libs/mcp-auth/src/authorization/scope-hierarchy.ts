import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';

/**
 * Broader scopes and the narrower scopes each one implies, e.g.
 * `{ 'Admin.Write': ['User.Write'], 'User.Write': ['User.Read'] }`. Implication is
 * transitive: here `Admin.Write` also grants `User.Read`.
 */
export type ScopeHierarchyOptions = Record<string, readonly string[]>;

/** A validated hierarchy: for each broader scope, every scope it implies (transitively). */
export interface ScopeHierarchy {
  /** The scopes `scope` implies, not including itself; empty for a scope with no narrower scopes. */
  implied(scope: string): ReadonlySet<string>;
  /** Every scope the hierarchy names. */
  readonly scopes: readonly string[];
}

const NONE: ReadonlySet<string> = new Set();
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** No hierarchy: every scope stands for itself. */
export const FLAT_SCOPE_HIERARCHY: ScopeHierarchy = { implied: () => NONE, scopes: [] };

/**
 * Validates a hierarchy once at startup and computes its transitive closure.
 * A cycle (`A → B → A`) is a configuration error: it would make the scopes equivalent,
 * which is almost always a typo, and say so with the cycle spelled out.
 */
export function resolveScopeHierarchy(options: ScopeHierarchyOptions | undefined): ScopeHierarchy {
  if (options === undefined) return FLAT_SCOPE_HIERARCHY;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new McpAuthConfigurationError(
      'scopeHierarchy',
      "must map a scope to the narrower scopes it implies, e.g. { 'Admin.Write': ['User.Write'] }",
    );
  }
  const edges = new Map<string, readonly string[]>();
  for (const [broader, narrower] of Object.entries(options)) {
    if (!SCOPE_TOKEN.test(broader))
      throw new McpAuthConfigurationError('scopeHierarchy', `key ${JSON.stringify(broader)} is not a valid OAuth scope`);
    if (!Array.isArray(narrower) || narrower.some((scope) => typeof scope !== 'string' || !SCOPE_TOKEN.test(scope))) {
      throw new McpAuthConfigurationError('scopeHierarchy', `value of "${broader}" must be a list of valid OAuth scopes`);
    }
    edges.set(broader, narrower);
  }
  const closure = new Map<string, Set<string>>();
  const visit = (scope: string, path: string[]): Set<string> => {
    const done = closure.get(scope);
    if (done) return done;
    if (path.includes(scope)) {
      const cycle = [...path.slice(path.indexOf(scope)), scope].join(' → ');
      throw new McpAuthConfigurationError('scopeHierarchy', `has a cycle: ${cycle}; a scope cannot imply itself`);
    }
    const implied = new Set<string>();
    for (const narrower of edges.get(scope) ?? []) {
      implied.add(narrower);
      for (const deeper of visit(narrower, [...path, scope])) implied.add(deeper);
    }
    closure.set(scope, implied);
    return implied;
  };
  for (const scope of edges.keys()) visit(scope, []);
  const scopes = [...new Set([...edges.keys(), ...[...edges.values()].flat()])];
  return { implied: (scope) => closure.get(scope) ?? NONE, scopes };
}

/** The granted scopes plus everything they imply. */
export function expandScopes(granted: Iterable<string>, hierarchy: ScopeHierarchy): Set<string> {
  const held = new Set<string>();
  for (const scope of granted) {
    held.add(scope);
    for (const implied of hierarchy.implied(scope)) held.add(implied);
  }
  return held;
}

/**
 * Drops scopes another listed scope already implies, so a challenge names the
 * smallest set that grants the operation (`Admin.Write User.Read` → `Admin.Write`
 * when `Admin.Write` implies `User.Read`).
 */
export function withoutImpliedScopes(scopes: readonly string[], hierarchy: ScopeHierarchy): string[] {
  return scopes.filter((scope) => !scopes.some((other) => other !== scope && hierarchy.implied(other).has(scope)));
}
