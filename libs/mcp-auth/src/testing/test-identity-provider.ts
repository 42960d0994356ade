import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWTPayload } from 'jose';
import { createTestSigningKey } from './test-signing-key.js';
import type { TestSigningKey } from './test-signing-key.js';

/** Which identity provider the test provider imitates: URLs, discovery document and token claims. */
export type TestIdentityProviderShape = 'oidc' | 'keycloak' | 'entra' | 'okta' | 'auth0';

export interface TestIdentityProviderOptions {
  /** Default `oidc`. */
  shape?: TestIdentityProviderShape;
  /** Keycloak: the realm. Default `test`. */
  realm?: string;
  /** Entra: the home tenant id. Default: a random GUID. */
  tenantId?: string;
  /** Okta: the custom authorization server's id. Default `default` (its tokens' default audience is `api://default`). */
  authorizationServerId?: string;
  /**
   * The `aud` of minted tokens unless a token sets its own. Default: none; Keycloak: `account`, as Keycloak does
   * without an Audience mapper; Okta: `api://default`, the default authorization server's audience.
   */
  audience?: string | string[];
  /** Loopback address to listen on. Default `127.0.0.1`. */
  host?: '127.0.0.1' | '::1';
  /** Port to listen on. Default 0: any free port (a fixed one keeps the issuer URL across restarts). */
  port?: number;
  /** The key tokens are signed with. Default: a fresh one ({@link createTestSigningKey}). */
  signingKey?: TestSigningKey;
}

export interface TestTokenOptions {
  /** Header parameters on top of `{ alg: 'RS256', typ: 'JWT', kid }`. */
  header?: Record<string, unknown>;
  /** Lifetime in seconds. Default 300. */
  expiresIn?: number;
  /** Entra: the tenant the token comes from. Default: the provider's `tenantId`. */
  tenantId?: string;
  /** Entra: token version (v1 issuer `https://sts.windows.net/<tenant>/`, `appid` instead of `azp`). Default 2. */
  version?: 1 | 2;
}

/** A running test identity provider. */
export interface TestIdentityProvider {
  readonly shape: TestIdentityProviderShape;
  /** The base URL: Keycloak's `url`, Entra's `authorityHost`, Okta's and Auth0's `domain`, or the issuer itself for `oidc`. */
  readonly url: string;
  /** The issuer of its tokens (Entra: v2, home tenant). */
  readonly issuer: string;
  readonly jwksUri: string;
  /** Keycloak: the realm. */
  readonly realm?: string;
  /** Entra: the home tenant. */
  readonly tenantId?: string;
  readonly key: TestSigningKey;
  /** How many times the JWKS was fetched. */
  readonly jwksRequests: number;
  /** Entra: the issuer of a tenant's tokens, v2 (default) or v1. */
  issuerFor(tenantId: string, version?: 1 | 2): string;
  /**
   * Mints a signed access token shaped like the provider's, with `claims` on top of its
   * defaults (`iss`, `sub`, `iat`, `exp`, and Keycloak's `typ`/`azp` or Entra's
   * `tid`/`oid`/`azp`/`ver`). A claim set to `undefined` is left out.
   */
  token(claims?: Record<string, unknown>, options?: TestTokenOptions): Promise<string>;
  close(): Promise<void>;
}

/** Entra's v1 issuer host (public cloud). */
const ENTRA_V1_ISSUER_HOST = 'https://sts.windows.net';

/**
 * A loopback identity provider for tests: serves discovery and JWKS at the same paths as
 * Keycloak (`/realms/<realm>/.well-known/openid-configuration`, `/realms/<realm>/protocol/openid-connect/certs`),
 * Microsoft Entra ID (`/<tenant>/v2.0/.well-known/openid-configuration`, `/<tenant>/discovery/v2.0/keys`)
 * or a generic issuer (`/.well-known/openid-configuration`, `/jwks`), and mints tokens with any claims.
 *
 * @example
 * ```ts
 * const idp = await startTestIdentityProvider({ shape: 'keycloak', realm: 'acme', audience: resourceUrl });
 * // McpAuthModule.forRoot({ resourceUrl, issuers: [keycloak({ url: idp.url, realm: 'acme' })] })
 * const token = await idp.token({ scope: 'User.Read' });
 * ```
 */
export async function startTestIdentityProvider(options: TestIdentityProviderOptions = {}): Promise<TestIdentityProvider> {
  const shape = options.shape ?? 'oidc';
  if (!['oidc', 'keycloak', 'entra', 'okta', 'auth0'].includes(shape))
    throw new TypeError(`startTestIdentityProvider: shape must be oidc, keycloak, entra, okta or auth0 (got ${JSON.stringify(shape)})`);
  const host = options.host ?? '127.0.0.1';
  const key = options.signingKey ?? (await createTestSigningKey());
  let jwksRequests = 0;
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const realm = options.realm ?? 'test';
  const tenantId = (options.tenantId ?? randomUUID()).toLowerCase();
  const urls = shapeUrls(shape, url, realm, options.authorizationServerId ?? 'default');

  const issuerFor = (tenant: string, version: 1 | 2 = 2) =>
    version === 1 ? `${ENTRA_V1_ISSUER_HOST}/${tenant}/` : `${url}/${tenant}/v2.0`;
  const issuer = shape === 'entra' ? issuerFor(tenantId) : urls.issuer;

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', url).pathname;
    const route = urls.route(path);
    if (req.method !== 'GET' || !route) return send(res, 404, { error: 'not_found' });
    if (route.kind === 'jwks') {
      jwksRequests += 1;
      return send(res, 200, { keys: [key.publicJwk] });
    }
    return send(res, 200, discoveryDocument(shape, url, route.tenant ?? '', urls));
  });

  return {
    shape,
    url,
    issuer,
    jwksUri: shape === 'entra' ? `${url}/${tenantId}/discovery/v2.0/keys` : urls.jwksUri,
    realm: shape === 'keycloak' ? realm : undefined,
    tenantId: shape === 'entra' ? tenantId : undefined,
    key,
    get jwksRequests() {
      return jwksRequests;
    },
    issuerFor,
    token(claims = {}, tokenOptions = {}) {
      const now = Math.floor(Date.now() / 1000);
      const defaults: JWTPayload = { iat: now, exp: now + (tokenOptions.expiresIn ?? 300), jti: randomUUID() };
      if (options.audience !== undefined) defaults.aud = options.audience;
      if (shape === 'keycloak') {
        Object.assign(defaults, { iss: issuer, sub: randomUUID(), typ: 'Bearer', azp: 'test-client' });
        defaults.aud ??= 'account';
      } else if (shape === 'entra') {
        const tenant = tokenOptions.tenantId ?? tenantId;
        const version = tokenOptions.version ?? 2;
        Object.assign(defaults, {
          iss: issuerFor(tenant, version),
          nbf: now,
          tid: tenant,
          oid: randomUUID(),
          sub: randomUUID(),
          ...(version === 1
            ? { appid: '11111111-1111-1111-1111-111111111111', ver: '1.0' }
            : { azp: '11111111-1111-1111-1111-111111111111', ver: '2.0' }),
        });
        delete defaults.jti;
        defaults.uti = randomUUID().replace(/-/g, '').slice(0, 22);
      } else if (shape === 'okta') {
        // Okta: `ver` 1, `jti` "AT.…", the client in `cid`, the user's id in `uid` and login in `sub`, scopes as the `scp` list.
        Object.assign(defaults, {
          ver: 1,
          jti: `AT.${randomUUID().replace(/-/g, '')}`,
          iss: issuer,
          cid: '0oa1b2c3d4e5f6g7h8i9',
          uid: `00u${randomUUID().replace(/-/g, '').slice(0, 17)}`,
          sub: 'ada@example.com',
        });
        defaults.aud ??= 'api://default';
      } else if (shape === 'auth0') {
        // Auth0: `sub` "auth0|…", the client in `azp`, `aud` with the tenant's userinfo beside the API when openid was asked.
        Object.assign(defaults, {
          iss: issuer,
          sub: `auth0|${randomUUID().replace(/-/g, '').slice(0, 24)}`,
          azp: 'Xg7a1B2c3D4e5F6g7H8i9J0kL1m2N3o4',
        });
      } else {
        Object.assign(defaults, { iss: issuer, sub: randomUUID() });
      }
      const payload: Record<string, unknown> = { ...defaults, ...claims };
      for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
      // Okta's access token header has no `typ`; the others say `JWT`.
      return key.sign(payload as JWTPayload, { ...(shape === 'okta' ? {} : { typ: 'JWT' }), ...tokenOptions.header });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface ShapeUrls {
  readonly issuer: string;
  readonly jwksUri: string;
  route(path: string): { kind: 'discovery' | 'jwks'; tenant?: string } | undefined;
}

function shapeUrls(shape: TestIdentityProviderShape, url: string, realm: string, authorizationServerId: string): ShapeUrls {
  if (shape === 'okta') {
    const base = `/oauth2/${encodeURIComponent(authorizationServerId)}`;
    return {
      issuer: `${url}${base}`,
      jwksUri: `${url}${base}/v1/keys`,
      route: (path) =>
        path === `${base}/.well-known/openid-configuration` || path === `${base}/.well-known/oauth-authorization-server`
          ? { kind: 'discovery' }
          : path === `${base}/v1/keys`
            ? { kind: 'jwks' }
            : undefined,
    };
  }
  if (shape === 'auth0') {
    return {
      // Auth0 writes its issuer with a trailing slash.
      issuer: `${url}/`,
      jwksUri: `${url}/.well-known/jwks.json`,
      route: (path) =>
        path === '/.well-known/openid-configuration'
          ? { kind: 'discovery' }
          : path === '/.well-known/jwks.json'
            ? { kind: 'jwks' }
            : undefined,
    };
  }
  if (shape === 'keycloak') {
    const base = `/realms/${encodeURIComponent(realm)}`;
    return {
      issuer: `${url}${base}`,
      jwksUri: `${url}${base}/protocol/openid-connect/certs`,
      route: (path) =>
        path === `${base}/.well-known/openid-configuration`
          ? { kind: 'discovery' }
          : path === `${base}/protocol/openid-connect/certs`
            ? { kind: 'jwks' }
            : undefined,
    };
  }
  if (shape === 'entra') {
    return {
      issuer: '',
      jwksUri: '',
      route: (path) => {
        const match = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|discovery\/v2\.0\/keys|discovery\/keys)$/.exec(path);
        if (!match) return undefined;
        return { kind: match[2].endsWith('openid-configuration') ? 'discovery' : 'jwks', tenant: decodeURIComponent(match[1]) };
      },
    };
  }
  return {
    issuer: url,
    jwksUri: `${url}/jwks`,
    route: (path) =>
      path === '/.well-known/openid-configuration' || path === '/.well-known/oauth-authorization-server'
        ? { kind: 'discovery' }
        : path === '/jwks'
          ? { kind: 'jwks' }
          : undefined,
  };
}

/** The discovery document, with the fields (and omissions) of the real provider. */
function discoveryDocument(shape: TestIdentityProviderShape, url: string, tenant: string, urls: ShapeUrls): Record<string, unknown> {
  if (shape === 'entra') {
    // Entra names a template issuer for its multi-tenant endpoints, and omits code_challenge_methods_supported.
    const issuerTenant = tenant === 'organizations' || tenant === 'common' ? '{tenantid}' : tenant;
    return {
      issuer: `${url}/${issuerTenant}/v2.0`,
      authorization_endpoint: `${url}/${tenant}/oauth2/v2.0/authorize`,
      token_endpoint: `${url}/${tenant}/oauth2/v2.0/token`,
      jwks_uri: `${url}/${tenant}/discovery/v2.0/keys`,
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      tenant_region_scope: 'EU',
    };
  }
  const issuer = urls.issuer;
  const endpoints =
    shape === 'keycloak'
      ? {
          authorization_endpoint: `${issuer}/protocol/openid-connect/auth`,
          token_endpoint: `${issuer}/protocol/openid-connect/token`,
          introspection_endpoint: `${issuer}/protocol/openid-connect/token/introspect`,
        }
      : shape === 'okta'
        ? {
            authorization_endpoint: `${issuer}/v1/authorize`,
            token_endpoint: `${issuer}/v1/token`,
            introspection_endpoint: `${issuer}/v1/introspect`,
          }
        : shape === 'auth0'
          ? { authorization_endpoint: `${url}/authorize`, token_endpoint: `${url}/oauth/token` }
          : { authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token` };
  return {
    issuer,
    ...endpoints,
    jwks_uri: urls.jwksUri,
    grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: ['plain', 'S256'],
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json), 'Cache-Control': 'no-store' });
  res.end(json);
}
