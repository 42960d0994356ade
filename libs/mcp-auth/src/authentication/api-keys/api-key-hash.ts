import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const HASH_FORMAT = /^sha256:[0-9a-f]{64}$/;

/**
 * The hash configuration stores for an API key: `sha256:<hex>`. A fast hash is right
 * here because keys are random (see {@link generateApiKey}), so there is nothing to
 * guess; a slow password hash would only cost time on every request.
 *
 * @example hashApiKey('mcp_k3Y...') // 'sha256:9f86d0...'
 */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/** A new random API key (256 bits), for `npm run hash-key` without an argument. */
export function generateApiKey(): string {
  return `mcp_${randomBytes(32).toString('base64url')}`;
}

/** True for a string in the `sha256:<64 hex digits>` format. */
export function isApiKeyHash(value: unknown): value is string {
  return typeof value === 'string' && HASH_FORMAT.test(value);
}

/** The raw digest of a stored hash, for constant-time comparison. */
export function digestOf(hash: string): Buffer {
  return Buffer.from(hash.slice('sha256:'.length), 'hex');
}

/** The raw digest of a presented key. */
export function digestOfKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * The index of the digest equal to `presented`, or -1. Every candidate is compared
 * with `timingSafeEqual` and the loop never stops early, so the time taken says
 * nothing about which entry (or how much of one) matched.
 */
export function findDigest(presented: Buffer, candidates: readonly Buffer[]): number {
  let found = -1;
  for (let index = 0; index < candidates.length; index++) {
    if (timingSafeEqual(presented, candidates[index]) && found === -1) found = index;
  }
  return found;
}
