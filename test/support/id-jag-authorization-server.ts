import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { JWK } from 'jose';
import { createTestSigningKey } from 'nestjs-mcp-auth/testing';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** What the stand-in authorization server saw and did, for the tests to check. */
export interface IdJagTokenRequest {
  readonly clientId?: string;
  readonly scope?: string;
  readonly resource?: string;
  /** The ID-JAG's claims once verified; undefined when it was refused. */
  readonly idJag?: Record<string, unknown>;
  readonly status: number;
}

/**
 * A stand-in for an MCP server's authorization server in Enterprise-Managed Authorization
 * (what an Okta custom authorization server with Cross App Access, or Keycloak's ID-JAG
 * receiver, does): RFC 8414 metadata, a JWKS, and a token endpoint for the `jwt-bearer` grant
 * that accepts an ID-JAG signed by the trusted enterprise identity provider (`typ`
 * `oauth-id-jag+jwt`, `aud` = this issuer, `resource` = a registered MCP server, one use per
 * `jti`) and issues an access token for the same user, audience-restricted to that resource
 * (§5.1), with the scopes of the ID-JAG that were requested. `audienceRestricted: false` makes it
 * forget §5.1 (its tokens name the authorization server instead), to show the MCP server refusing them.
 */
export interface IdJagAuthorizationServer {
  readonly issuer: string;
  readonly requests: IdJagTokenRequest[];
  audienceRestricted: boolean;
  close(): Promise<void>;
}

export async function startIdJagAuthorizationServer(options: {
  /** The enterprise identity provider whose ID-JAGs are trusted. */
  idp: { issuer: string; publicJwk: JWK };
  /** The MCP servers (resource URLs) this authorization server issues tokens for. */
  resources: string[];
  /** Registered MCP clients (`client_secret_basic`). */
  clients: Record<string, string>;
}): Promise<IdJagAuthorizationServer> {
  const key = await createTestSigningKey('as-key');
  const idpKeys = createLocalJWKSet({ keys: [options.idp.publicJwk] });
  const usedJtis = new Set<string>();
  const requests: IdJagTokenRequest[] = [];
  let issuer = '';

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const token = async (req: IncomingMessage, res: ServerResponse, body: URLSearchParams) => {
    const [clientId, secret] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
      .toString()
      .split(':')
      .map(decodeURIComponent);
    const scope = body.get('scope') ?? undefined;
    const resource = body.get('resource') ?? undefined;
    const refuse = (status: number, error: string, description: string) => {
      requests.push({ clientId, scope, resource, status });
      json(res, status, { error, error_description: description });
    };
    if (!clientId || options.clients[clientId] !== secret) return refuse(401, 'invalid_client', 'unknown client');
    if (body.get('grant_type') !== JWT_BEARER) return refuse(400, 'unsupported_grant_type', 'jwt-bearer only');
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(body.get('assertion') ?? '', idpKeys, {
        issuer: options.idp.issuer,
        audience: issuer,
        typ: 'oauth-id-jag+jwt',
        algorithms: ['RS256'],
        requiredClaims: ['sub', 'jti', 'exp', 'resource'],
      }));
    } catch (error) {
      return refuse(400, 'invalid_grant', `ID-JAG refused: ${(error as Error).message}`);
    }
    // §7.6.2: the resource must be one of ours; §7.4.2: one use per jti.
    if (!options.resources.includes(String(claims.resource)))
      return refuse(400, 'invalid_grant', 'resource is not an MCP server of this authorization server');
    if (claims.client_id !== clientId) return refuse(400, 'invalid_grant', 'the ID-JAG was issued to another client');
    if (usedJtis.has(String(claims.jti))) return refuse(400, 'invalid_grant', 'ID-JAG replayed');
    usedJtis.add(String(claims.jti));
    // §7.2.1: the intersection of the requested scopes and those of the ID-JAG.
    const allowed = String(claims.scope ?? '')
      .split(' ')
      .filter(Boolean);
    const granted = (scope ?? allowed.join(' ')).split(' ').filter((each) => allowed.includes(each));
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await key.sign(
      {
        iss: issuer,
        sub: String(claims.sub),
        aud: state.audienceRestricted ? String(claims.resource) : issuer,
        client_id: clientId,
        scope: granted.join(' '),
        iat: now,
        exp: now + 300,
        jti: `at-${now}-${requests.length}`,
      },
      { typ: 'at+jwt' },
    );
    requests.push({ clientId, scope, resource, idJag: claims, status: 200 });
    json(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 300, scope: granted.join(' ') });
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && (path === '/.well-known/oauth-authorization-server' || path === '/.well-known/openid-configuration')) {
      return json(res, 200, {
        issuer,
        // Required by the metadata schemas; this stand-in serves only the jwt-bearer grant.
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        grant_types_supported: [JWT_BEARER],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
        authorization_grant_profiles_supported: ['urn:ietf:params:oauth:grant-profile:id-jag'],
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (req.method === 'GET' && path === '/jwks') return json(res, 200, { keys: [key.publicJwk] });
    if (req.method === 'POST' && path === '/token') {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => void token(req, res, new URLSearchParams(text)).catch(() => json(res, 500, { error: 'server_error' })));
      return;
    }
    json(res, 404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const state: IdJagAuthorizationServer = {
    issuer,
    requests,
    audienceRestricted: true,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return state;
}
