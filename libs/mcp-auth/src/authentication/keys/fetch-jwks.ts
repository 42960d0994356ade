import { readBoundedText } from '../bounded-response-body.js';
import { getWithResetRetry } from '../get-with-reset-retry.js';

/** A JWK Set larger than this is not a JWK Set. */
const MAX_JWKS_BYTES = 512 * 1024;

/**
 * Fetches a JWK Set for `jwks-rsa`'s `JwksClient`, with a deadline on the whole exchange
 * (headers and body), unlike `jwks-rsa`'s socket idle timeout; a connection reset is tried
 * again within it ({@link getWithResetRetry}). Rejects on a network error, a timeout, a
 * non-2xx status, an oversized body or anything that is not a JSON object with a `keys` array.
 */
export async function fetchJwks(uri: string, timeoutMs: number): Promise<{ keys: unknown[] }> {
  const response = await getWithResetRetry(uri, AbortSignal.timeout(timeoutMs), { accept: 'application/jwk-set+json, application/json' });
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`HTTP ${response.status}`);
  }
  // Bounded while reading: an oversized answer is cut off, never buffered whole.
  const text = await readBoundedText(response, MAX_JWKS_BYTES);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new Error('not JSON');
  }
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error('not a JWK Set (no "keys" array)');
  return { keys };
}
