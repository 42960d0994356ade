import type { OpenIdConfiguration } from '../authentication/openid-discovery.js';
import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import { positiveInteger, requireUrl } from '../option-validation.js';
import type { ResolvedRedisOptions } from '../redis/redis.options.js';
import type { McpDownstreamCacheOptions, McpDownstreamOptions, ResolvedDownstream, ResolvedDownstreamCache } from './downstream.options.js';
import { ACCESS_TOKEN_TYPE } from './token-endpoint-client.js';

const FLOWS = ['token-exchange', 'entra-on-behalf-of'];
const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];
/** As many bytes as the AES-256 key it seals with. */
export const MIN_DOWNSTREAM_CACHE_KEY_BYTES = 32;

/** True when the issuer's discovery document is needed to find its token endpoint. */
export function downstreamNeedsDiscovery(downstream: McpDownstreamOptions | undefined): boolean {
  return downstream !== undefined && downstream !== null && typeof downstream === 'object' && downstream.tokenEndpoint === undefined;
}

/** Validates an issuer's `downstream` block once at startup; the token endpoint comes from it or from discovery. */
export function resolveDownstream(
  downstream: McpDownstreamOptions,
  option: string,
  discovered: OpenIdConfiguration | undefined,
): ResolvedDownstream {
  const name = (field: string) => `${option === 'issuer' ? '' : `${option}.`}downstream.${field}`;
  if (typeof downstream !== 'object' || downstream === null) {
    throw new McpAuthConfigurationError(
      name('').slice(0, -1),
      'must be an object { clientId, clientSecret | privateKeyJwt, tokenEndpoint? }',
    );
  }
  const flow = downstream.flow ?? 'token-exchange';
  if (!FLOWS.includes(flow)) throw new McpAuthConfigurationError(name('flow'), `must be one of ${FLOWS.join(', ')}`);
  if (typeof downstream.clientId !== 'string' || downstream.clientId === '') {
    throw new McpAuthConfigurationError(
      name('clientId'),
      "is required: this server's client at the identity provider, allowed to exchange tokens",
    );
  }
  const hasSecret = downstream.clientSecret !== undefined;
  const hasKey = downstream.privateKeyJwt !== undefined;
  if (hasSecret === hasKey) {
    throw new McpAuthConfigurationError(
      name('clientSecret'),
      'or "privateKeyJwt" is required, exactly one: how this server authenticates at the token endpoint',
    );
  }
  if (hasSecret && (typeof downstream.clientSecret !== 'string' || downstream.clientSecret === '')) {
    throw new McpAuthConfigurationError(name('clientSecret'), 'must be a non-empty string');
  }
  if (hasKey) {
    const key = downstream.privateKeyJwt!;
    if (typeof key !== 'object' || key === null || (typeof key.key !== 'string' && (typeof key.key !== 'object' || key.key === null))) {
      throw new McpAuthConfigurationError(name('privateKeyJwt.key'), 'must be a PKCS#8 PEM string or a private JWK');
    }
    if (typeof key.key === 'string' && !key.key.includes('PRIVATE KEY')) {
      throw new McpAuthConfigurationError(
        name('privateKeyJwt.key'),
        'must be a PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----") or a private JWK',
      );
    }
  }
  const method = downstream.clientAuthMethod ?? (hasKey ? 'private_key_jwt' : 'client_secret_basic');
  if (!AUTH_METHODS.includes(method) || (method === 'private_key_jwt') !== hasKey) {
    throw new McpAuthConfigurationError(
      name('clientAuthMethod'),
      `must be ${hasKey ? 'private_key_jwt with privateKeyJwt' : 'client_secret_basic or client_secret_post with clientSecret'}`,
    );
  }
  const endpoint = downstream.tokenEndpoint ?? discovered?.token_endpoint;
  if (typeof endpoint === 'string') requireUrl(name('tokenEndpoint'), endpoint);
  else if (typeof endpoint !== 'function') {
    throw new McpAuthConfigurationError(name('tokenEndpoint'), "is required: the issuer's discovery document names no token_endpoint");
  }
  const subjectTokenType = downstream.subjectTokenType ?? ACCESS_TOKEN_TYPE;
  if (typeof subjectTokenType !== 'string' || !/^(urn:|https?:\/\/)\S+$/.test(subjectTokenType)) {
    throw new McpAuthConfigurationError(name('subjectTokenType'), 'must be a URI, e.g. urn:ietf:params:oauth:token-type:access_token');
  }
  const parameters = downstream.parameters ?? {};
  if (typeof parameters !== 'object' || parameters === null || Object.values(parameters).some((value) => typeof value !== 'string')) {
    throw new McpAuthConfigurationError(name('parameters'), 'must be an object of string values');
  }
  const reserved = Object.keys(parameters).find((key) => /^(grant_type|subject_token|assertion|client_secret|client_assertion)$/.test(key));
  if (reserved) throw new McpAuthConfigurationError(name('parameters'), `must not set "${reserved}": the library sets it`);
  if (downstream.consentUrl !== undefined && typeof downstream.consentUrl !== 'function')
    requireUrl(name('consentUrl'), downstream.consentUrl);
  return {
    flow,
    tokenEndpointFor: typeof endpoint === 'function' ? endpoint : () => endpoint as string,
    clientId: downstream.clientId,
    clientSecret: downstream.clientSecret,
    clientAuthMethod: method as ResolvedDownstream['clientAuthMethod'],
    privateKeyJwt: downstream.privateKeyJwt,
    subjectTokenType,
    parameters: { ...parameters },
    consentUrl: downstream.consentUrl,
    timeoutMs: positiveInteger(name('timeoutMs'), downstream.timeoutMs, 5_000),
  };
}

/**
 * The module's `downstreamCache`. With `redis` and any issuer's `downstream`, the Redis copy
 * must be sealed: the encryption key is required then (at least 32 bytes), never optional.
 */
export function resolveDownstreamCache(
  cache: McpDownstreamCacheOptions | undefined,
  redis: ResolvedRedisOptions | undefined,
  anyDownstream: boolean,
): ResolvedDownstreamCache {
  if (cache !== undefined && (typeof cache !== 'object' || cache === null)) {
    throw new McpAuthConfigurationError(
      'downstreamCache',
      'must be an object { encryptionKey?, maxEntries?, refreshBeforeExpirySeconds? }',
    );
  }
  const key = cache?.encryptionKey;
  if (key !== undefined && (typeof key !== 'string' || Buffer.byteLength(key, 'utf8') < MIN_DOWNSTREAM_CACHE_KEY_BYTES)) {
    throw new McpAuthConfigurationError(
      'downstreamCache.encryptionKey',
      `must be a string of at least ${MIN_DOWNSTREAM_CACHE_KEY_BYTES} bytes (e.g. \`openssl rand -base64 48\`), the same on every replica`,
    );
  }
  if (redis && anyDownstream && key === undefined) {
    throw new McpAuthConfigurationError(
      'downstreamCache.encryptionKey',
      `is required with "redis" and downstream tokens: the replicas share the tokens they obtained through Redis, sealed with this key (at least ${MIN_DOWNSTREAM_CACHE_KEY_BYTES} bytes, e.g. \`openssl rand -base64 48\`), so Redis never holds a usable token`,
    );
  }
  const refresh = cache?.refreshBeforeExpirySeconds ?? 60;
  if (!Number.isFinite(refresh) || refresh < 0) {
    throw new McpAuthConfigurationError('downstreamCache.refreshBeforeExpirySeconds', 'must be a number of seconds, 0 or more');
  }
  return {
    encryptionKey: key === undefined ? undefined : Buffer.from(key, 'utf8'),
    maxEntries: positiveInteger('downstreamCache.maxEntries', cache?.maxEntries, 10_000),
    refreshBeforeExpirySeconds: refresh,
  };
}
