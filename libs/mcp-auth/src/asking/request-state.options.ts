/**
 * How a 2026-07-28 call that asks the client for input (elicitation, sampling) carries what
 * it asked and was answered from one round to the next: the `requestState` the client echoes
 * back, sealed (HMAC-SHA256) so that it cannot be forged, altered, replayed by another
 * principal, on another tool or with other arguments, or after it expired.
 *
 * @example
 * ```ts
 * McpAuthModule.forRoot({ ..., requestState: { key: process.env.MCP_REQUEST_STATE_KEY } })
 * ```
 */
export interface McpRequestStateOptions {
  /**
   * The sealing key, at least 32 bytes (a string counts its UTF-8 bytes), e.g. `openssl rand -base64 48`.
   * Every replica must have the same key: a round answered on another replica is verified there.
   * Default: a random key made at startup, which only works while one process serves every round.
   */
  key?: string | Uint8Array;
  /** How long the client has to answer one round, in seconds. Default 600 (ten minutes). */
  ttlSeconds?: number;
  /**
   * Whether an answered round's state is accepted once (default `true`): answered again, in this
   * instance or with `redis` anywhere in the fleet, it is refused like a forged one (-32602), so a
   * confirmation cannot complete the same call twice. Remembered in memory (and Redis) for
   * `ttlSeconds` plus a minute. `false` accepts a state until it expires, as the SDK's codec does.
   */
  singleUse?: boolean;
}

/** {@link McpRequestStateOptions} after validation. */
export interface ResolvedRequestStateOptions {
  readonly key: Uint8Array;
  readonly ttlSeconds: number;
  /** Whether an answered round's state is accepted once. */
  readonly singleUse: boolean;
  /** False when the key was made at startup: rounds answered on another replica fail. */
  readonly configured: boolean;
}
