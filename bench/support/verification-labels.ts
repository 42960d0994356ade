/** Labels of the token verification figures, shared by the measuring child and the runner. */
export const UNCACHED_LABEL = 'uncached: McpJwtStrategy, fresh tokens, verified-token cache off';
export const FRESH_CACHED_LABEL = 'McpJwtStrategy, fresh tokens, cache on (verified, then remembered)';
export const CACHED_LABEL = 'cached: McpJwtStrategy, repeated token (cache hit)';
