import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import type { McpAuthOptions } from '../mcp-auth.options.js';
import { resolveOptions } from '../resolve-options.js';
import { LIMIT_DEFAULTS } from './resolve-limits.js';

const base: McpAuthOptions = { issuer: 'https://idp.example', resourceUrl: 'https://api.example/mcp', jwksUri: 'https://idp.example/jwks' };

describe('limit options', () => {
  it('fills in the documented defaults, with rate limits off and no custom sink', async () => {
    const resolved = await resolveOptions(base, '/mcp');
    expect(resolved).toMatchObject({
      ...LIMIT_DEFAULTS,
      rateLimit: { perPrincipal: undefined, unauthenticatedPerIp: undefined, storage: undefined, onStoreError: 'local' },
    });
    expect(resolved.auditSink).toBeUndefined();
    expect(LIMIT_DEFAULTS).toEqual({
      maxSessions: 10_000,
      maxSessionsPerSubject: 100,
      maxListenStreams: 1024,
      maxListenStreamsPerSubject: 10,
      sessionMaxLifetimeMs: 86_400_000,
      requestTimeoutMs: 60_000,
      maxHeaderBytes: 16_384,
      bodyTimeoutMs: 30_000,
      shutdownTimeoutMs: 10_000,
    });
  });

  it('lowers the default listen streams per subject to a smaller maxListenStreams', async () => {
    const resolved = await resolveOptions({ ...base, maxListenStreams: 4 }, '/mcp');
    expect(resolved).toMatchObject({ maxListenStreams: 4, maxListenStreamsPerSubject: 4 });
  });

  it('keeps what is given', async () => {
    const resolved = await resolveOptions(
      { ...base, maxSessions: 5, requestTimeoutMs: 100, shutdownTimeoutMs: 0, rateLimit: { perPrincipal: { limit: 10, ttlMs: 1000 } } },
      '/mcp',
    );
    expect(resolved).toMatchObject({
      maxSessions: 5,
      requestTimeoutMs: 100,
      shutdownTimeoutMs: 0,
      rateLimit: { perPrincipal: { limit: 10, ttlMs: 1000 } },
    });
  });

  it.each<[string, Partial<McpAuthOptions>, RegExp]>([
    ['maxSessions', { maxSessions: 0 }, /maxSessions.*positive whole number/],
    ['maxSessionsPerSubject', { maxSessionsPerSubject: 1.5 }, /maxSessionsPerSubject.*positive whole number/],
    ['maxListenStreams', { maxListenStreams: 0 }, /maxListenStreams.*positive whole number/],
    [
      'maxListenStreamsPerSubject',
      { maxListenStreams: 20, maxListenStreamsPerSubject: 21 },
      /maxListenStreamsPerSubject.*must not exceed maxListenStreams \(20\)/,
    ],
    ['requestTimeoutMs', { requestTimeoutMs: -1 }, /requestTimeoutMs/],
    ['maxHeaderBytes', { maxHeaderBytes: Number.NaN }, /maxHeaderBytes/],
    ['shutdownTimeoutMs', { shutdownTimeoutMs: -5 }, /shutdownTimeoutMs.*0 or more/],
    ['rateLimit', { rateLimit: 'fast' as never }, /rateLimit.*must be an object/],
    ['rateLimit.perPrincipal.limit', { rateLimit: { perPrincipal: { limit: 0, ttlMs: 1000 } } }, /rateLimit\.perPrincipal\.limit/],
    [
      'rateLimit.unauthenticatedPerIp.ttlMs',
      { rateLimit: { unauthenticatedPerIp: { limit: 3 } as never } },
      /rateLimit\.unauthenticatedPerIp\.ttlMs/,
    ],
    ['rateLimit.storage', { rateLimit: { storage: {} as never } }, /rateLimit\.storage.*ThrottlerStorage/],
    ['rateLimit.onStoreError', { rateLimit: { onStoreError: 'open' as never } }, /rateLimit\.onStoreError.*'local', 'allow' or 'deny'/],
    ['auditSink', { auditSink: (() => undefined) as never }, /auditSink.*record\(event\)/],
    ['bodyTimeoutMs', { bodyTimeoutMs: 0 }, /bodyTimeoutMs.*positive whole number/],
    ['tokenCache.maxEntries', { tokenCache: { maxEntries: 2.5 } }, /tokenCache\.maxEntries.*positive whole number/],
    ['maxRequestBodyBytes', { maxRequestBodyBytes: '1mb' as never }, /maxRequestBodyBytes.*positive whole number/],
    ['jwks.timeoutMs', { jwks: { timeoutMs: 0.5 } }, /jwks\.timeoutMs.*positive whole number/],
  ])('refuses a bad %s at startup, naming it', async (_name, options, message) => {
    const attempt = resolveOptions({ ...base, ...options }, '/mcp');
    await expect(attempt).rejects.toBeInstanceOf(McpAuthConfigurationError);
    await expect(attempt).rejects.toThrow(message);
  });
});
