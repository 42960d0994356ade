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
}

/** A running development identity provider. */
export interface DevIdentityProvider {
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly clients: readonly DevClient[];
  /** Obtains an access token for the resource with the client-credentials grant, as any client would. */
  token(clientId: string, scope?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * A real OpenID provider (`oidc-provider`) on loopback that issues RS256 JWT access
 * tokens bound to the MCP resource (RFC 8707 resource indicators) through the
 * client-credentials grant. For development and tests only: keys live in memory.
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
    clients: options.clients.map((client) => ({
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
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => options.resourceUrl,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resourceIndicator, client) => {
          if (resourceIndicator !== options.resourceUrl) throw new errors.InvalidTarget();
          return {
            scope: [...(allowed.get(client.clientId) ?? [])].join(' '),
            audience: options.resourceUrl,
            accessTokenFormat: 'jwt',
            accessTokenTTL: options.accessTokenTtlSeconds ?? 3600,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
  });
  http.on('request', provider.callback());

  const tokenEndpoint = `${issuer}/token`;
  return {
    issuer,
    tokenEndpoint,
    clients: options.clients,
    async token(clientId, scope) {
      const client = options.clients.find((candidate) => candidate.clientId === clientId);
      if (!client) throw new Error(`No such development client: ${clientId}`);
      const body = new URLSearchParams({ grant_type: 'client_credentials', resource: options.resourceUrl });
      if (scope ?? client.scopes.length) body.set('scope', scope ?? client.scopes.join(' '));
      const response = await fetch(tokenEndpoint, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body,
      });
      const json = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!response.ok || !json.access_token) throw new Error(`Token request failed: ${json.error ?? response.status} ${json.error_description ?? ''}`);
      return json.access_token;
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
