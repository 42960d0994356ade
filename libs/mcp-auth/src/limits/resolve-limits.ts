import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import type { McpAuthOptions } from '../mcp-auth.options.js';
import { nonNegativeInteger, positiveInteger } from '../option-validation.js';
import type { RateLimitWindow } from './rate-limit.options.js';

/** Defaults of the resource limits, in one place for the docs and the tests. */
export const LIMIT_DEFAULTS = {
  maxSessions: 10_000,
  maxSessionsPerSubject: 100,
  maxListenStreams: 1024,
  maxListenStreamsPerSubject: 10,
  sessionMaxLifetimeMs: 24 * 60 * 60_000,
  requestTimeoutMs: 60_000,
  maxHeaderBytes: 16 * 1024,
  bodyTimeoutMs: 30_000,
  shutdownTimeoutMs: 10_000,
} as const;

/** The limits, rate limits and audit sink, validated; merged into the resolved options. */
export function resolveLimits(options: McpAuthOptions) {
  const rateLimit = options.rateLimit;
  if (rateLimit !== undefined && (typeof rateLimit !== 'object' || rateLimit === null)) {
    throw new McpAuthConfigurationError('rateLimit', 'must be an object like { perPrincipal: { limit: 120, ttlMs: 60000 } }');
  }
  if (rateLimit?.storage !== undefined && typeof rateLimit.storage?.increment !== 'function') {
    throw new McpAuthConfigurationError('rateLimit.storage', "must implement @nestjs/throttler's ThrottlerStorage (an increment method)");
  }
  const onStoreError = rateLimit?.onStoreError ?? 'local';
  if (!['local', 'allow', 'deny'].includes(onStoreError)) {
    throw new McpAuthConfigurationError(
      'rateLimit.onStoreError',
      `must be 'local', 'allow' or 'deny' (got ${JSON.stringify(onStoreError)})`,
    );
  }
  if (options.auditSink !== undefined && typeof options.auditSink?.record !== 'function') {
    throw new McpAuthConfigurationError('auditSink', 'must be an object with a record(event) method');
  }
  const maxListenStreams = positiveInteger('maxListenStreams', options.maxListenStreams, LIMIT_DEFAULTS.maxListenStreams);
  const maxListenStreamsPerSubject = positiveInteger(
    'maxListenStreamsPerSubject',
    options.maxListenStreamsPerSubject,
    Math.min(LIMIT_DEFAULTS.maxListenStreamsPerSubject, maxListenStreams),
  );
  if (maxListenStreamsPerSubject > maxListenStreams) {
    throw new McpAuthConfigurationError(
      'maxListenStreamsPerSubject',
      `must not exceed maxListenStreams (${maxListenStreams}): one subject could then take every listen stream`,
    );
  }
  return {
    maxSessions: positiveInteger('maxSessions', options.maxSessions, LIMIT_DEFAULTS.maxSessions),
    maxSessionsPerSubject: positiveInteger('maxSessionsPerSubject', options.maxSessionsPerSubject, LIMIT_DEFAULTS.maxSessionsPerSubject),
    maxListenStreams,
    maxListenStreamsPerSubject,
    sessionMaxLifetimeMs: positiveInteger('sessionMaxLifetimeMs', options.sessionMaxLifetimeMs, LIMIT_DEFAULTS.sessionMaxLifetimeMs),
    requestTimeoutMs: positiveInteger('requestTimeoutMs', options.requestTimeoutMs, LIMIT_DEFAULTS.requestTimeoutMs),
    maxHeaderBytes: positiveInteger('maxHeaderBytes', options.maxHeaderBytes, LIMIT_DEFAULTS.maxHeaderBytes),
    bodyTimeoutMs: positiveInteger('bodyTimeoutMs', options.bodyTimeoutMs, LIMIT_DEFAULTS.bodyTimeoutMs),
    shutdownTimeoutMs: nonNegativeInteger('shutdownTimeoutMs', options.shutdownTimeoutMs, LIMIT_DEFAULTS.shutdownTimeoutMs),
    rateLimit: {
      perPrincipal: window('rateLimit.perPrincipal', rateLimit?.perPrincipal),
      unauthenticatedPerIp: window('rateLimit.unauthenticatedPerIp', rateLimit?.unauthenticatedPerIp),
      storage: rateLimit?.storage,
      onStoreError,
    },
    auditSink: options.auditSink,
  };
}

function window(option: string, value: RateLimitWindow | undefined): RateLimitWindow | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) {
    throw new McpAuthConfigurationError(option, 'must be { limit, ttlMs }, e.g. { limit: 120, ttlMs: 60000 }');
  }
  return { limit: positiveInteger(`${option}.limit`, value.limit, 0), ttlMs: positiveInteger(`${option}.ttlMs`, value.ttlMs, 0) };
}
