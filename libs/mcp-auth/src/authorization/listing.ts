/**
 * What `tools/list`, `resources/list`, `resources/templates/list` and `prompts/list` show a caller:
 * - `'granted'`: only what the caller's scopes allow it to use;
 * - `'all'`: everything, each entry naming in its `_meta` the scopes it needs
 *   ({@link REQUIRED_SCOPES_META_KEY}), so that a model can pick a tool it is not yet
 *   allowed to use and the client can obtain the scopes through the 403 step-up challenge.
 */
export type McpListing = 'granted' | 'all';

export const MCP_LISTINGS: readonly McpListing[] = ['granted', 'all'];

/**
 * The `_meta` key under which a listed tool, resource or prompt names the scopes it needs
 * (with `listing: 'all'`). A reverse-DNS prefix, as the specification asks of `_meta` keys
 * that are not MCP's own. The scopes are those a 403 challenge for the operation would name.
 */
export const REQUIRED_SCOPES_META_KEY = 'io.github.nestjs-mcp-auth/requiredScopes';

/** `definition` with the scopes it needs added to its `_meta` (other `_meta` entries kept). */
export function withRequiredScopes<T extends { _meta?: Record<string, unknown> }>(definition: T, scopes: readonly string[]): T {
  return { ...definition, _meta: { ...definition._meta, [REQUIRED_SCOPES_META_KEY]: [...scopes] } };
}
