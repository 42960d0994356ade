import { hash } from 'node:crypto';
import { UsedOnceRecord } from '../../limits/used-once-record.js';
import type { RedisConnection } from '../../redis/redis-connection.js';

/** Options of {@link DpopReplayCache}. */
export interface DpopReplayCacheOptions {
  /** How long a proof is remembered, in milliseconds: as long as it would be accepted. */
  readonly ttlMs: number;
  /** Most proofs remembered in this instance's memory at once. */
  readonly maxEntries: number;
  /** The clock, in milliseconds; tests inject their own. */
  readonly now?: () => number;
}

/**
 * The proofs seen within the acceptance window (RFC 9449 §11.1: each proof is accepted once),
 * in memory and, with Redis, in the fleet's record (see {@link UsedOnceRecord}). A proof is known
 * by the SHA-256 of its key's thumbprint and its `jti`, so one client cannot use up another's
 * identifiers, and the `jti` (caller text) is never stored as is.
 */
export class DpopReplayCache extends UsedOnceRecord {
  constructor(options: DpopReplayCacheOptions, redis?: RedisConnection) {
    super(
      {
        ...options,
        namespace: 'dpop-jti',
        fullWarning: `DPoP replay cache full (${options.maxEntries} proofs): forgetting older proofs early; raise dpop.replayCacheMaxEntries or configure redis`,
      },
      redis,
    );
  }

  /** The identifier a proof is remembered under: its key's thumbprint and its `jti`, hashed. */
  proofId(jkt: string, jti: string): string {
    return hash('sha256', `${jkt}\u0000${jti}`, 'base64url');
  }
}
