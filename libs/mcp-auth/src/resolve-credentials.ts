import { parseApiKeyEntries } from './authentication/api-keys/api-key-store.js';
import type { ApiKeysOptions } from './authentication/api-keys/api-keys.options.js';
import type { McpIssuerOptions } from './authentication/identity-providers/issuer-options.js';
import type { IntrospectionOptions, ResolvedIntrospection } from './authentication/introspection/introspection.options.js';
import type { OpenIdConfiguration } from './authentication/openid-discovery.js';
import { McpAuthConfigurationError } from './mcp-auth-configuration.error.js';

/** HS256 needs at least as many secret bytes as the hash has output (RFC 7518 §3.2). */
export const MIN_SHARED_SECRET_BYTES = 32;

/** How one issuer's tokens are checked: JWTs with its JWKS or a shared secret, or introspection. */
export type IssuerVerification =
  | { readonly kind: 'jwks' }
  | { readonly kind: 'shared-secret'; readonly secret: Buffer }
  | { readonly kind: 'introspection'; readonly introspection: ResolvedIntrospection };

/** The verification an issuer entry asks for, before discovery fills in endpoints. */
export type ChosenVerification =
  | { readonly kind: 'jwks'; readonly needsDiscovery: boolean }
  | { readonly kind: 'shared-secret'; readonly secret: Buffer; readonly needsDiscovery: false }
  | { readonly kind: 'introspection'; readonly options: IntrospectionOptions; readonly needsDiscovery: boolean };

/**
 * Decides how one issuer's bearer credentials are checked. An issuer signs either with a
 * shared secret (HS256) or with its own keys, never both, so an RS256 public key can
 * never be mistaken for an HMAC secret (algorithm confusion); an introspected issuer
 * has no keys here at all. `option` names the entry in messages (`issuer`, `issuers[1]`).
 */
export function chooseVerification(config: McpIssuerOptions, option: string, moduleAlgorithms: boolean): ChosenVerification {
  const name = (field: string) => (option === 'issuer' ? field : `${option}.${field}`);
  if (config.sharedSecret !== undefined) {
    const conflicts: Array<[string, unknown]> = [
      ['jwksUri', config.jwksUri],
      ['introspection', config.introspection],
      ['algorithms', option === 'issuer' && moduleAlgorithms ? true : undefined],
    ];
    for (const [conflicting, value] of conflicts) {
      if (value !== undefined) {
        throw new McpAuthConfigurationError(
          name('sharedSecret'),
          `cannot be combined with "${conflicting}" for the same issuer: an issuer signs either with a shared secret (HS256) or with its own keys`,
        );
      }
    }
    if (typeof config.sharedSecret !== 'string' || Buffer.byteLength(config.sharedSecret, 'utf8') < MIN_SHARED_SECRET_BYTES) {
      throw new McpAuthConfigurationError(
        name('sharedSecret'),
        `must be a string of at least ${MIN_SHARED_SECRET_BYTES} bytes (e.g. \`openssl rand -base64 48\`)`,
      );
    }
    return { kind: 'shared-secret', secret: Buffer.from(config.sharedSecret, 'utf8'), needsDiscovery: false };
  }
  if (config.introspection !== undefined) {
    if (config.jwksUri !== undefined) {
      throw new McpAuthConfigurationError(
        name('introspection'),
        'cannot be combined with "jwksUri": this issuer\'s tokens are introspected, not verified with keys',
      );
    }
    if (typeof config.introspection !== 'object' || config.introspection === null) {
      throw new McpAuthConfigurationError(name('introspection'), 'must be an object { clientId, clientSecret, endpoint? }');
    }
    return { kind: 'introspection', options: config.introspection, needsDiscovery: config.introspection.endpoint === undefined };
  }
  return { kind: 'jwks', needsDiscovery: config.jwksUri === undefined };
}

/** Fills in the introspection defaults; the endpoint comes from the option or the discovery document. */
export function resolveIntrospection(
  introspection: IntrospectionOptions,
  option: string,
  discovered: OpenIdConfiguration | undefined,
): ResolvedIntrospection {
  const name = (field: string) => `${option === 'issuer' ? '' : `${option}.`}introspection.${field}`;
  for (const field of ['clientId', 'clientSecret'] as const) {
    if (typeof introspection[field] !== 'string' || introspection[field] === '') {
      throw new McpAuthConfigurationError(name(field), "is required: this resource server's client at the identity provider");
    }
  }
  const endpoint = introspection.endpoint ?? discovered?.introspection_endpoint;
  if (typeof endpoint !== 'string' || !/^https?:\/\//.test(endpoint)) {
    throw new McpAuthConfigurationError(name('endpoint'), "is required: the issuer's discovery document names no introspection_endpoint");
  }
  const method = introspection.clientAuthMethod ?? 'client_secret_basic';
  if (method !== 'client_secret_basic' && method !== 'client_secret_post') {
    throw new McpAuthConfigurationError(name('clientAuthMethod'), 'must be client_secret_basic or client_secret_post');
  }
  return {
    endpoint,
    clientId: introspection.clientId,
    clientSecret: introspection.clientSecret,
    clientAuthMethod: method,
    cacheMaxSeconds: nonNegative(name('cacheMaxSeconds'), introspection.cacheMaxSeconds, 60),
    cacheMaxEntries: nonNegative(name('cacheMaxEntries'), introspection.cacheMaxEntries, 10_000) || 1,
    timeoutMs: nonNegative(name('timeoutMs'), introspection.timeoutMs, 5_000) || 5_000,
    recognizes: recogniserOf(introspection, name),
  };
}

/** `tokenPrefix` and/or `recognizes` as one test; both given, both must hold. */
function recogniserOf(introspection: IntrospectionOptions, name: (field: string) => string): ((token: string) => boolean) | undefined {
  const { tokenPrefix, recognizes } = introspection;
  if (tokenPrefix !== undefined && (typeof tokenPrefix !== 'string' || tokenPrefix === '')) {
    throw new McpAuthConfigurationError(
      name('tokenPrefix'),
      'must be a non-empty string: the prefix every opaque token of this issuer starts with',
    );
  }
  if (recognizes !== undefined && typeof recognizes !== 'function') {
    throw new McpAuthConfigurationError(name('recognizes'), "must be a function (token) => boolean telling this issuer's tokens apart");
  }
  if (tokenPrefix === undefined) return recognizes;
  return (token) => token.startsWith(tokenPrefix) && (recognizes?.(token) ?? true);
}

/**
 * Several introspected issuers only when each can tell its own tokens (M2): an opaque
 * token says nothing of who issued it, and asking each issuer in turn would hand every
 * user's live token to the other issuers.
 */
export function checkIntrospectedIssuersAreTellable(issuers: ReadonlyArray<{ option: string; config: McpIssuerOptions }>): void {
  const introspected = issuers.filter(({ config }) => config?.introspection !== undefined);
  if (introspected.length < 2) return;
  const untellable = introspected.find(
    ({ config }) => config.introspection!.tokenPrefix === undefined && config.introspection!.recognizes === undefined,
  );
  if (untellable) {
    throw new McpAuthConfigurationError(
      `${untellable.option === 'issuer' ? '' : `${untellable.option}.`}introspection.tokenPrefix`,
      `is required when several issuers are introspected (${introspected.map((issuer) => issuer.option).join(', ')}): an opaque token does not say who issued it, and it must only ever be sent to the issuer that can have issued it, never to each in turn. Give each introspected issuer its tokenPrefix or a recognizes(token) function`,
    );
  }
}

/** Checks the `apiKeys` option (entries are parsed again by the key store). */
export function checkApiKeys(apiKeys: ApiKeysOptions | undefined): ApiKeysOptions | undefined {
  if (apiKeys === undefined) return undefined;
  if (typeof apiKeys !== 'object' || apiKeys === null || (apiKeys.keys === undefined && apiKeys.file === undefined)) {
    throw new McpAuthConfigurationError('apiKeys', 'must name { keys: [...] } and/or { file: "path" }');
  }
  if (apiKeys.keys !== undefined) parseApiKeyEntries(apiKeys.keys, 'apiKeys.keys');
  if (apiKeys.file !== undefined && (typeof apiKeys.file !== 'string' || apiKeys.file === '')) {
    throw new McpAuthConfigurationError('apiKeys.file', 'must be a file path');
  }
  return apiKeys;
}

function nonNegative(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new McpAuthConfigurationError(option, 'must be a number of at least 0');
  return value;
}
