/** One accepted API key: its hash (never the key) and the principal it stands for. */
export interface ApiKeyEntry {
  /** `sha256:<64 hex digits>`, as printed by `npm run hash-key` or {@link hashApiKey}. */
  hash: string;
  /** The principal's subject (`sub`); `validateUser` sees it like a token's. */
  sub: string;
  /** The calling client. Default: `sub`. */
  clientId?: string;
  /** Granted scopes, checked by `@RequireScopes` exactly like a token's. Default: none. */
  scopes?: string[];
}

/**
 * API keys as bearer credentials (`Authorization: Bearer <key>`). Configuration holds
 * only hashes; remove an entry (or its line in `file`) to revoke a key.
 */
export interface ApiKeysOptions {
  /** Entries given inline. */
  keys?: ApiKeyEntry[];
  /**
   * A JSON file holding a list of entries (or `{ "keys": [...] }`). It is checked on
   * every lookup (one `stat`) and re-read when it changed, so revocation needs no restart.
   */
  file?: string;
}
