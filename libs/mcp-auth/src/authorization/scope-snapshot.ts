import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import type { ScopeHierarchy } from './scope-hierarchy.js';
import type { ScopeRequirement } from './scope-requirement.js';
import { scopesMentioned } from './scope-requirement.js';

/** The format version of {@link McpScopeSnapshot}; a recorded snapshot of another version is refused at startup. */
export const SCOPE_SNAPSHOT_VERSION = 1;

/** The tools, resources and prompts one scope opens (names, sorted). */
export interface ScopeOpenings {
  readonly tools: readonly string[];
  readonly resources: readonly string[];
  readonly prompts: readonly string[];
}

/**
 * Which tools, resources and prompts each scope opens: the "tool snapshot" the
 * Enterprise-Managed Authorization extension (§7.2.1) advises deployments to keep, so that a
 * scope whose meaning grows (a release adds a destructive tool under `User.Write`) is noticed
 * before the grants made for the old meaning carry over.
 *
 * A scope opens an entry when the entry's requirements name that scope or a scope it implies
 * (`scopeHierarchy`): a token holding it can reach the entry, alone or with the other scopes
 * the entry needs. Entries without any requirement are opened by every valid token. Names are
 * the registered ones (tools, resources and prompts by name), scopes as tools declare them.
 *
 * @example
 * ```json
 * {
 *   "snapshotVersion": 1,
 *   "server": { "name": "catalog", "version": "1.4.0" },
 *   "anyValidToken": { "tools": ["whoami"], "resources": [], "prompts": [] },
 *   "scopes": {
 *     "User.Read": { "tools": ["list_products"], "resources": ["catalog"], "prompts": [] }
 *   }
 * }
 * ```
 */
export interface McpScopeSnapshot {
  readonly snapshotVersion: typeof SCOPE_SNAPSHOT_VERSION;
  /** The MCP server's name and version when the snapshot was taken (informational: not compared). */
  readonly server: { readonly name: string; readonly version: string };
  /** What any valid token opens: entries that require no scope. */
  readonly anyValidToken: ScopeOpenings;
  /** Per scope, what it opens. */
  readonly scopes: Readonly<Record<string, ScopeOpenings>>;
}

/** A scope (or, without `scope`, any valid token) that opens entries the recorded snapshot did not list for it. */
export interface ScopeSnapshotDrift extends ScopeOpenings {
  /** The scope; undefined for entries any valid token opens. */
  readonly scope?: string;
}

/** One tool, resource or prompt, as the snapshot sees it. */
export interface SnapshotEntry {
  readonly name: string;
  readonly requirements: readonly ScopeRequirement[];
}

/** The catalogue's entries by kind, and the scopes to describe. */
export interface SnapshotCatalogue {
  readonly tools: Iterable<SnapshotEntry>;
  readonly resources: Iterable<SnapshotEntry>;
  readonly prompts: Iterable<SnapshotEntry>;
  /** Every scope the server knows: those the entries mention and those the hierarchy names. */
  readonly scopes: readonly string[];
}

const KINDS = ['tools', 'resources', 'prompts'] as const;
type Kind = (typeof KINDS)[number];

/** Takes the snapshot of a catalogue: pure, deterministic (sorted), so that two takes of one release are byte-identical. */
export function takeScopeSnapshot(
  catalogue: SnapshotCatalogue,
  hierarchy: ScopeHierarchy,
  server: { name: string; version: string },
): McpScopeSnapshot {
  const entries = KINDS.map(
    (kind) => [kind, [...catalogue[kind]].map((entry) => ({ name: entry.name, mentioned: scopesMentioned(entry.requirements) }))] as const,
  );
  const openings = (opens: (mentioned: readonly string[]) => boolean): ScopeOpenings => {
    const result = {} as Record<Kind, string[]>;
    for (const [kind, list] of entries)
      result[kind] = list
        .filter((entry) => opens(entry.mentioned))
        .map((entry) => entry.name)
        .sort();
    return result;
  };
  const scopes: Record<string, ScopeOpenings> = {};
  for (const scope of [...new Set(catalogue.scopes)].sort()) {
    const held = new Set([scope, ...hierarchy.implied(scope)]);
    scopes[scope] = openings((mentioned) => mentioned.some((needed) => held.has(needed)));
  }
  return {
    snapshotVersion: SCOPE_SNAPSHOT_VERSION,
    server: { name: server.name, version: server.version },
    anyValidToken: openings((mentioned) => mentioned.length === 0),
    scopes,
  };
}

/**
 * What `live` opens beyond `recorded`: per scope (and for any valid token) the entries it did
 * not open in the recorded snapshot, a scope the snapshot does not know opening all of its
 * entries anew. What a scope stopped opening is no drift: narrowing needs no re-authorization.
 */
export function scopeSnapshotDrift(recorded: McpScopeSnapshot, live: McpScopeSnapshot): ScopeSnapshotDrift[] {
  const beyond = (now: ScopeOpenings, before: ScopeOpenings | undefined): ScopeOpenings => ({
    tools: now.tools.filter((name) => !before?.tools.includes(name)),
    resources: now.resources.filter((name) => !before?.resources.includes(name)),
    prompts: now.prompts.filter((name) => !before?.prompts.includes(name)),
  });
  const drift: ScopeSnapshotDrift[] = [];
  const anyToken = beyond(live.anyValidToken, recorded.anyValidToken);
  if (opensAnything(anyToken)) drift.push(anyToken);
  for (const [scope, openings] of Object.entries(live.scopes)) {
    const more = beyond(openings, Object.hasOwn(recorded.scopes, scope) ? recorded.scopes[scope] : undefined);
    if (opensAnything(more)) drift.push({ scope, ...more });
  }
  return drift;
}

/** `tool delete_product, resource catalog, prompt describe`: what a drift entry opens, for a log line. */
export function describeOpenings(openings: ScopeOpenings): string {
  return [
    ...openings.tools.map((name) => `tool ${name}`),
    ...openings.resources.map((name) => `resource ${name}`),
    ...openings.prompts.map((name) => `prompt ${name}`),
  ].join(', ');
}

function opensAnything(openings: ScopeOpenings): boolean {
  return openings.tools.length + openings.resources.length + openings.prompts.length > 0;
}

/**
 * Checks a recorded snapshot (parsed JSON or a value) once at startup: the right format version,
 * every list a list of names. `option` names where it came from in the error.
 */
export function parseScopeSnapshot(value: unknown, option: string): McpScopeSnapshot {
  const fail = (problem: string): never => {
    throw new McpAuthConfigurationError(
      option,
      `is not a scope snapshot (${problem}): record one from the running application with ScopeSnapshot.json() (see docs/enterprise-managed-authorization.md)`,
    );
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('not a JSON object');
  const snapshot = value as Record<string, unknown>;
  if (snapshot.snapshotVersion !== SCOPE_SNAPSHOT_VERSION) {
    return fail(`snapshotVersion ${JSON.stringify(snapshot.snapshotVersion)}, this version of the library reads ${SCOPE_SNAPSHOT_VERSION}`);
  }
  const openingsOf = (entry: unknown, where: string): ScopeOpenings => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return fail(`${where} is not an object`);
    const lists = {} as Record<Kind, string[]>;
    for (const kind of KINDS) {
      const list = (entry as Record<string, unknown>)[kind] ?? [];
      if (!Array.isArray(list) || list.some((name) => typeof name !== 'string')) return fail(`${where}.${kind} is not a list of names`);
      lists[kind] = list as string[];
    }
    return lists;
  };
  const scopes = snapshot.scopes;
  if (typeof scopes !== 'object' || scopes === null || Array.isArray(scopes)) return fail('scopes is not an object');
  const server = snapshot.server as { name?: unknown; version?: unknown } | undefined;
  return {
    snapshotVersion: SCOPE_SNAPSHOT_VERSION,
    server: { name: String(server?.name ?? ''), version: String(server?.version ?? '') },
    anyValidToken: openingsOf(snapshot.anyValidToken ?? {}, 'anyValidToken'),
    scopes: Object.fromEntries(
      Object.entries(scopes).map(([scope, entry]) => [scope, openingsOf(entry, `scopes[${JSON.stringify(scope)}]`)]),
    ),
  };
}
