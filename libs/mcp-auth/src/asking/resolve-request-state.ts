import { randomBytes } from 'node:crypto';
import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import { optionalBoolean, positiveInteger } from '../option-validation.js';
import type { McpRequestStateOptions, ResolvedRequestStateOptions } from './request-state.options.js';

/** The shortest sealing key accepted: an HMAC-SHA256 key gains nothing beyond 32 bytes, and must lose nothing below. */
export const MIN_REQUEST_STATE_KEY_BYTES = 32;

/** Ten minutes: a person reads the question and answers it within one round's lifetime. */
const DEFAULT_TTL_SECONDS = 600;

/** Validates `requestState` once at startup; without a key, one is made for this process. */
export function resolveRequestState(options: McpRequestStateOptions | undefined): ResolvedRequestStateOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new McpAuthConfigurationError('requestState', 'must be an object: { key, ttlSeconds?, singleUse? }');
  }
  const ttlSeconds = positiveInteger('requestState.ttlSeconds', options?.ttlSeconds, DEFAULT_TTL_SECONDS);
  const singleUse = optionalBoolean('requestState.singleUse', options?.singleUse, true);
  const key = options?.key;
  if (key === undefined) return { key: randomBytes(MIN_REQUEST_STATE_KEY_BYTES), ttlSeconds, singleUse, configured: false };
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key instanceof Uint8Array ? key : undefined;
  if (!bytes || bytes.byteLength < MIN_REQUEST_STATE_KEY_BYTES) {
    throw new McpAuthConfigurationError(
      'requestState.key',
      `must be a string or bytes of at least ${MIN_REQUEST_STATE_KEY_BYTES} bytes, the same on every replica (e.g. \`openssl rand -base64 48\`)`,
    );
  }
  return { key: new Uint8Array(bytes), ttlSeconds, singleUse, configured: true };
}
