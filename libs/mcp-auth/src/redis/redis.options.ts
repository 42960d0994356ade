import type { IoRedisClient } from './redis-client.js';

/**
 * Redis as the store replicas share (rate-limit counters, the introspection cache and
 * refusal memory, legacy session ownership, the `subscriptions/listen` event bus, the DPoP
 * proofs seen).
 * Give `url` (the module opens and closes its own connections) or `client` (a
 * connection of yours, duplicated for pub/sub, never closed by the module).
 */
export interface McpRedisOptions {
  /** `redis://` or `rediss://` URL. */
  url?: string;
  /** An `ioredis` client of your own. */
  client?: IoRedisClient;
  /**
   * Prefix of every key and channel; replicas of one server must share it, two servers must not.
   * Default `'mcp-auth:<resourceUrl>:'` (e.g. `'mcp-auth:https://api.example.com/mcp:'`): replicas
   * of one server serve the same resource URL, two servers never do.
   */
  keyPrefix?: string;
}

/** The Redis options after validation. */
export interface ResolvedRedisOptions {
  readonly url?: string;
  readonly client?: IoRedisClient;
  readonly keyPrefix: string;
}
