import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { JsonWebKey } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Provider, { errors } from 'oidc-provider';

/** A client of the development identity provider: client-credentials only. */
export interface DevClient {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Scopes this client may obtain; requested scopes outside this list are left out of its tokens. */
  readonly scopes: readonly string[];
}

export interface DevIdentityProviderOptions {
  /** The MCP resource tokens are minted for (their `aud`). */
  readonly resourceUrl: string;
  readonly clients: readonly DevClient[];
  /** Loopback only. Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** Lifetime of access tokens, in seconds. Default 3600. */
  readonly accessTokenTtlSeconds?: number;
  /** The private RSA signing key as a JWK with a `kid`. Default: a fresh 2048-bit key. */
  readonly signingKey?: JsonWebKey & { kid: string };
  /** `jwt` (default): RS256 JWT access tokens. `opaque`: reference tokens that resource servers introspect. */
  readonly accessTokenFormat?: 'jwt' | 'opaque';
  /** Resource servers that may call the introspection endpoint (confidential clients without scopes). */
  readonly resourceServers?: readonly { clientId: string; clientSecret: string }[];
  /** Other resources tokens may be requested for (their `aud`), e.g. to obtain a token meant for someone else. */
  readonly otherResources?: readonly string[];
}

/** A running development identity provider. */
export interface DevIdentityProvider {
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly introspectionEndpoint: string;
  readonly clients: readonly DevClient[];
  /** Obtains an access token for the resource (or another one) with the client-credentials grant, as any client would. */
  token(clientId: string, scope?: string, resource?: string): Promise<string>;
  /** Revokes a token (RFC 7009) as the client it was issued to. */
  revoke(clientId: string, token: string): Promise<void>;
  /** How many introspection requests the provider has answered. */
  introspectionRequests(): number;
  close(): Promise<void>;
}

/**
 * A real OpenID provider (`oidc-provider`) on loopback that issues RS256 JWT (or opaque)
 * access tokens bound to the MCP resource (RFC 8707 resource indicators) through the
 * client-credentials grant, with introspection (RFC 7662) and revocation (RFC 7009).
 * For development and tests only: keys and tokens live in memory.
 */
export async function startDevIdentityProvider(options: DevIdentityProviderOptions): Promise<DevIdentityProvider> {
  const host = options.host ?? '127.0.0.1';
  const http = createServer();
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const allowed = new Map(options.clients.map((client) => [client.clientId, new Set(client.scopes)]));
  const signingKey = options.signingKey ?? {
    ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
    kid: `dev-${randomBytes(4).toString('hex')}`,
  };

  const provider = new Provider(issuer, {
    clients: [...options.clients, ...(options.resourceServers ?? [])].map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
    })),
    jwks: { keys: [{ ...signingKey, use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => options.resourceUrl,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resourceIndicator, client) => {
          if (resourceIndicator !== options.resourceUrl && !options.otherResources?.includes(resourceIndicator))
            throw new errors.InvalidTarget();
          const format = options.accessTokenFormat ?? 'jwt';
          return {
            scope: [...(allowed.get(client.clientId) ?? [])].join(' '),
            audience: resourceIndicator,
            accessTokenFormat: format,
            accessTokenTTL: options.accessTokenTtlSeconds ?? 3600,
            ...(format === 'jwt' ? { jwt: { sign: { alg: 'RS256' as const } } } : {}),
          };
        },
      },
    },
  });
  const callback = provider.callback();
  let introspections = 0;
  http.on('request', (req, res) => {
    if (req.method === 'POST' && req.url?.startsWith('/token/introspection')) introspections++;
    callback(req, res);
  });

  const tokenEndpoint = `${issuer}/token`;
  const clientPost = (clientId: string, url: string, body: URLSearchParams) => {
    const client = options.clients.find((candidate) => candidate.clientId === clientId);
    if (!client) throw new Error(`No such development client: ${clientId}`);
    return fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body,
    });
  };
  return {
    issuer,
    tokenEndpoint,
    introspectionEndpoint: `${issuer}/token/introspection`,
    clients: options.clients,
    async token(clientId, scope, resource = options.resourceUrl) {
      const client = options.clients.find((candidate) => candidate.clientId === clientId);
      const body = new URLSearchParams({ grant_type: 'client_credentials', resource });
      if (scope ?? client?.scopes.length) body.set('scope', scope ?? client!.scopes.join(' '));
      const response = await clientPost(clientId, tokenEndpoint, body);
      const json = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!response.ok || !json.access_token)
        throw new Error(`Token request failed: ${json.error ?? response.status} ${json.error_description ?? ''}`);
      return json.access_token;
    },
    async revoke(clientId, token) {
      const response = await clientPost(
        clientId,
        `${issuer}/token/revocation`,
        new URLSearchParams({ token, token_type_hint: 'access_token' }),
      );
      await response.body?.cancel();
      if (!response.ok) throw new Error(`Revocation failed: HTTP ${response.status}`);
    },
    introspectionRequests: () => introspections,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
