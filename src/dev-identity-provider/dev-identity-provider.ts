import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { JsonWebKey } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Provider, { errors } from 'oidc-provider';
import type { Configuration } from 'oidc-provider';
import { LoginAndConsent, INTERACTION_PATH } from './interactions.js';
import { REGISTRATION_PATH, allowRegistrationFromLoopbackPages } from './registration-cors.js';
import { renderErrorPage } from './consent-page.js';
import { restrictOpenRegistration } from './registration-policy.js';
import { developmentSigningKey } from './signing-key.js';
import { TOKEN_EXCHANGE_GRANT, actorClaim, registerTokenExchange } from './token-exchange-grant.js';
import type { TokenExchangePolicy } from './token-exchange-grant.js';
import { SqliteOidcStore } from './sqlite-adapter.js';

const DAY_SECONDS = 24 * 60 * 60;

/** A pre-registered client of the development identity provider: client-credentials only. */
export interface DevClient {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Scopes this client may obtain; requested scopes outside this list are left out of its tokens. */
  readonly scopes: readonly string[];
}

/**
 * A pre-registered public client for people signing in (authorization code with PKCE, no secret), for a client
 * that is better given an id than left to register itself (the MCP Inspector's CLI steps up only with one).
 */
export interface DevPublicClient {
  readonly clientId: string;
  readonly clientName: string;
  /** Loopback redirect URIs; as for every native client, any port matches (RFC 8252 §7.3). */
  readonly redirectUris: readonly string[];
}

/** A person who can sign in on the development provider's login page (no password: it is a demo). */
export interface DevUser {
  /** The token's `sub`. */
  readonly sub: string;
  readonly displayName: string;
  /** Scopes this user may grant a client; ticked scopes outside this list are left out of the token. */
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
  /** The private RSA signing key as a JWK with a `kid`. Default: a fresh 2048-bit key (or the one in `signingKeyFile`). */
  readonly signingKey?: JsonWebKey & { kid: string };
  /** Keep the signing key in this file (created on first use), so tokens survive a restart. */
  readonly signingKeyFile?: string;
  /**
   * Keep client registrations, grants, sessions and refresh tokens in this SQLite file, so that clients that
   * registered and logged in before a restart (on the same port) are still known after it. Default: in memory.
   */
  readonly storeFile?: string;
  /** `jwt` (default): RS256 JWT access tokens. `opaque`: reference tokens that resource servers introspect. */
  readonly accessTokenFormat?: 'jwt' | 'opaque';
  /** Resource servers that may call the introspection endpoint (confidential clients without scopes). */
  readonly resourceServers?: readonly { clientId: string; clientSecret: string }[];
  /** Other resources tokens may be requested for (their `aud`), e.g. to obtain a token meant for someone else. */
  readonly otherResources?: readonly string[];
  /**
   * Demo users who sign in through the browser. When given, interactive clients are served too:
   * authorization code with PKCE (S256) for public clients with loopback redirect URIs on any port
   * (RFC 8252 §7.3), open dynamic client registration (RFC 7591), client ID metadata documents,
   * a login and consent page, and refresh tokens.
   */
  readonly users?: readonly DevUser[];
  /** Interactive clients registered in advance (with `users`). */
  readonly publicClients?: readonly DevPublicClient[];
  /**
   * How the provider fetches client ID metadata documents. Default: the global `fetch`, behind
   * `oidc-provider`'s own guard that refuses private and loopback addresses (SSRF protection).
   */
  readonly fetch?: typeof fetch;
  /** RFC 8693 token exchange for downstream APIs (see token-exchange-grant.ts); its clients are registered for that grant only. */
  readonly tokenExchange?: Omit<TokenExchangePolicy, 'subjectAudience' | 'accessTokenTtlSeconds'>;
}

/** A running development identity provider. */
export interface DevIdentityProvider {
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly introspectionEndpoint: string;
  /** The authorization endpoint interactive clients send the browser to (with `users`). */
  readonly authorizationEndpoint: string;
  /** The dynamic client registration endpoint (with `users`). */
  readonly registrationEndpoint?: string;
  readonly clients: readonly DevClient[];
  /** Obtains an access token for the resource (or another one) with the client-credentials grant, as any client would. */
  token(clientId: string, scope?: string, resource?: string): Promise<string>;
  /** Revokes a token (RFC 7009) as the client it was issued to. */
  revoke(clientId: string, token: string): Promise<void>;
  /** How many introspection requests the provider has answered. */
  introspectionRequests(): number;
  /** How many token exchanges (RFC 8693) the provider has answered. */
  tokenExchanges(): number;
  close(): Promise<void>;
}

/**
 * A real OpenID provider (`oidc-provider`) on loopback that issues RS256 JWT (or opaque)
 * access tokens bound to the MCP resource (RFC 8707 resource indicators) through the
 * client-credentials grant, with introspection (RFC 7662) and revocation (RFC 7009); with
 * `users`, also to people signing in through a browser (see {@link DevIdentityProviderOptions.users}).
 * For development and tests only: keys, clients and tokens live in memory unless `signingKeyFile` and
 * `storeFile` keep them.
 */
export async function startDevIdentityProvider(options: DevIdentityProviderOptions): Promise<DevIdentityProvider> {
  // Read (or make) the key and open the store before listening, so that a bad file leaves nothing running.
  const signingKey = options.signingKey ?? developmentSigningKey(options.signingKeyFile);
  const store = options.storeFile ? new SqliteOidcStore(options.storeFile) : undefined;
  const host = options.host ?? '127.0.0.1';
  const http = createServer();
  await new Promise<void>((resolve, reject) => {
    http.once('error', (error: NodeJS.ErrnoException) => {
      store?.close();
      reject(error.code === 'EADDRINUSE' ? new DevIdentityProviderPortInUse(host, options.port ?? 0, { cause: error }) : error);
    });
    http.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const allowed = new Map(options.clients.map((client) => [client.clientId, new Set(client.scopes)]));
  const users = options.users ?? [];
  // Every scope the resource knows: what an interactive client may ask for (the user then chooses).
  const resourceScopes = [...new Set([...options.clients, ...users].flatMap((holder) => holder.scopes))];

  const provider = new Provider(issuer, {
    // Without users, only a token exchange makes a grant (its own, so that revoking it revokes the token): a day, as for a sign-in.
    ...(users.length
      ? interactiveConfiguration(users, options.fetch, options.accessTokenTtlSeconds ?? 3600)
      : { ttl: { Grant: DAY_SECONDS } }),
    clients: [
      ...[...options.clients, ...(options.resourceServers ?? [])].map((client) => ({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic' as const,
        redirect_uris: [],
        response_types: [],
      })),
      ...(options.tokenExchange?.clients ?? []).map((client) => ({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        grant_types: [TOKEN_EXCHANGE_GRANT],
        token_endpoint_auth_method: 'client_secret_basic' as const,
        redirect_uris: [],
        response_types: [],
      })),
      ...(users.length ? (options.publicClients ?? []) : []).map((client) => ({
        client_id: client.clientId,
        client_name: client.clientName,
        application_type: 'native' as const,
        redirect_uris: [...client.redirectUris],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code' as const],
        token_endpoint_auth_method: 'none' as const,
      })),
    ],
    ...(store ? { adapter: store.adapterFor } : {}),
    jwks: { keys: [{ ...signingKey, use: 'sig', alg: 'RS256' }] },
    extraTokenClaims: actorClaim,
    cookies: { keys: [randomBytes(32).toString('hex')] },
    features: {
      ...(users.length ? interactiveFeatures() : {}),
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      // RFC 9449: a client that sends a DPoP proof to the token endpoint gets a token bound to its key
      // (`token_type: DPoP`, `cnf.jkt` in the JWT and in the introspection answer); others get bearer tokens.
      dPoP: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => options.resourceUrl,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resourceIndicator, client) => {
          if (resourceIndicator !== options.resourceUrl && !options.otherResources?.includes(resourceIndicator))
            throw new errors.InvalidTarget();
          const format = options.accessTokenFormat ?? 'jwt';
          // A pre-registered demo client gets its role's scopes; any other (interactive) client may
          // ask for all of them, and the user's choice on the consent page decides.
          const scopes = allowed.get(client.clientId) ?? resourceScopes;
          return {
            scope: [...scopes].join(' '),
            audience: resourceIndicator,
            accessTokenFormat: format,
            accessTokenTTL: options.accessTokenTtlSeconds ?? 3600,
            ...(format === 'jwt' ? { jwt: { sign: { alg: 'RS256' as const } } } : {}),
          };
        },
      },
    },
  });
  const { publicKey } = { publicKey: { kty: signingKey.kty, n: signingKey.n, e: signingKey.e, kid: signingKey.kid, alg: 'RS256' } };
  const exchange = options.tokenExchange
    ? registerTokenExchange(provider, publicKey, {
        ...options.tokenExchange,
        subjectAudience: options.resourceUrl,
        accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
      })
    : undefined;
  const callback = provider.callback();
  const loginAndConsent = users.length ? new LoginAndConsent(provider, users, options.resourceUrl) : undefined;
  let introspections = 0;
  http.on('request', (req, res) => {
    if (req.method === 'POST' && req.url?.startsWith('/token/introspection')) introspections++;
    if (loginAndConsent && req.url?.startsWith(INTERACTION_PATH)) {
      void loginAndConsent.handle(req, res);
      return;
    }
    if (loginAndConsent && allowRegistrationFromLoopbackPages(req, res)) return;
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
    authorizationEndpoint: `${issuer}/auth`,
    registrationEndpoint: users.length ? `${issuer}${REGISTRATION_PATH}` : undefined,
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
    tokenExchanges: () => exchange?.exchanges() ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => {
          store?.close();
          resolve();
        });
      }),
  };
}

/** The port the provider was given is taken (by an earlier run still going, or another program). */
export class DevIdentityProviderPortInUse extends Error {
  override readonly name = 'DevIdentityProviderPortInUse';

  constructor(
    readonly host: string,
    readonly port: number,
    options?: ErrorOptions,
  ) {
    super(`${host}:${port} is already in use`, options);
  }
}

/** The `oidc-provider` features interactive clients need. */
function interactiveFeatures() {
  return {
    // RFC 7591, open: the provider listens on loopback only, for development; restrictOpenRegistration says what registers.
    registration: { enabled: true, initialAccessToken: false },
    // A client whose id is an https URL is described by the document at that URL (MCP 2025-11-25).
    clientIdMetadataDocument: { enabled: true, ack: 'draft-02' },
  } as const;
}

/** Login, consent, PKCE, loopback redirects and refresh tokens for people signing in through a browser. */
function interactiveConfiguration(
  users: readonly DevUser[],
  fetchDocument: DevIdentityProviderOptions['fetch'],
  accessTokenTtlSeconds: number,
): Partial<Configuration> {
  const known = new Map(users.map((user) => [user.sub, user]));
  return {
    findAccount: (_ctx, sub) => {
      const user = known.get(sub);
      return user ? { accountId: user.sub, claims: () => ({ sub: user.sub, name: user.displayName }) } : undefined;
    },
    interactions: { url: (_ctx, interaction) => `${INTERACTION_PATH}${interaction.uid}` },
    // Each authorization request shows the consent page with what this request asks for:
    // a step-up is a new choice, not a silent reuse of an earlier one.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    // PKCE for every client using the code flow; oidc-provider only implements S256.
    pkce: { required: () => true },
    // Native (RFC 8252): http redirect URIs must be loopback, and a loopback one matches on any port (§7.3).
    clientDefaults: {
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    // A client's registered `scope` is dropped (RFC 7591 lets the server replace it): oidc-provider accepts
    // only its OpenID Connect scopes there, so a registration naming `User.Read` (as the SDKs send the
    // challenged scope) would be refused. What a client gets is decided per request, on the consent page.
    extraClientMetadata: {
      properties: ['scope'],
      // Called once per property listed, for every client oidc-provider builds: once per client.
      validator: (ctx, key, _value, metadata) => {
        if (key !== 'scope') return;
        delete metadata.scope;
        restrictOpenRegistration(ctx, metadata);
      },
    },
    // Interactive clients get refresh tokens without asking for offline_access, which the MCP
    // resource never advertises.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Lifetimes chosen rather than left to oidc-provider's defaults (which it asks to be changed):
    // a login or consent page is answered within 10 minutes, a development sign-in lasts a day.
    ttl: {
      AccessToken: accessTokenTtlSeconds,
      IdToken: accessTokenTtlSeconds,
      Interaction: 10 * 60,
      Session: DAY_SECONDS,
      Grant: DAY_SECONDS,
      RefreshToken: DAY_SECONDS,
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
      ctx.body = renderErrorPage(String(out.error), typeof out.error_description === 'string' ? out.error_description : undefined);
    },
    ...(fetchDocument ? { fetch: fetchDocument } : {}),
  };
}
