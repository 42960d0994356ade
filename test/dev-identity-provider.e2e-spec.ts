import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { DEMO_CLIENTS, DEMO_USERS } from '../src/dev-identity-provider/demo-clients.js';
import { startDevIdentityProvider } from '../src/dev-identity-provider/dev-identity-provider.js';
import type { DevIdentityProvider } from '../src/dev-identity-provider/dev-identity-provider.js';
import { developmentSigningKey } from '../src/dev-identity-provider/signing-key.js';

const RESOURCE = 'http://127.0.0.1:1/mcp';

/** The embedded provider's rules for interactive clients, on the wire (the browser tests show the happy paths). */
describe('Development identity provider: authorization code rules', () => {
  let idp: DevIdentityProvider;
  let clientId: string;
  const redirectUri = 'http://127.0.0.1:4000/callback';

  beforeAll(async () => {
    idp = await startDevIdentityProvider({ resourceUrl: RESOURCE, clients: DEMO_CLIENTS, users: DEMO_USERS });
    const registered = await register({ redirect_uris: [redirectUri], client_name: 'rules' });
    expect(registered.status).toBe(201);
    clientId = ((await registered.json()) as { client_id: string }).client_id;
  });
  afterAll(() => idp?.close());

  function register(metadata: Record<string, unknown>): Promise<Response> {
    return fetch(idp.registrationEndpoint!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(metadata),
    });
  }

  /** Sends an authorization request and returns where the provider sends the browser (or its error page's status). */
  async function authorize(params: Record<string, string>): Promise<{ status: number; location?: URL }> {
    const url = new URL(idp.authorizationEndpoint);
    const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
    const query = {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: 'User.Read',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      resource: RESOURCE,
      ...params,
    };
    for (const [name, value] of Object.entries(query)) if (value !== '') url.searchParams.set(name, value);
    const response = await fetch(url, { redirect: 'manual' });
    await response.body?.cancel();
    const location = response.headers.get('location');
    return { status: response.status, location: location ? new URL(location, idp.issuer) : undefined };
  }

  it('advertises PKCE S256 only, open registration and client ID metadata documents', async () => {
    const discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
    expect(discovery.registration_endpoint).toBe(idp.registrationEndpoint);
    expect(discovery.client_id_metadata_document_supported).toBe(true);
    expect(discovery.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
  });

  it('sends a valid request to the login page', async () => {
    const { status, location } = await authorize({});
    expect(status).toBe(303);
    expect(location?.pathname).toMatch(/^\/interaction\//);
  });

  it.each<{ case: string; params: Record<string, string> }>([
    { case: 'without PKCE', params: { code_challenge: '', code_challenge_method: '' } },
    { case: 'with the plain PKCE method', params: { code_challenge_method: 'plain' } },
  ])('refuses an authorization request $case', async ({ params }) => {
    const { status, location } = await authorize(params);
    expect(status).toBe(303);
    expect(location?.origin + location!.pathname).toBe(redirectUri);
    expect(location?.searchParams.get('error')).toBe('invalid_request');
  });

  it('accepts the registered loopback redirect URI on any port (RFC 8252 §7.3), and no other path or host', async () => {
    expect((await authorize({ redirect_uri: 'http://127.0.0.1:53127/callback' })).location?.pathname).toMatch(/^\/interaction\//);
    for (const other of ['http://127.0.0.1:4000/elsewhere', 'http://localhost:4000/callback', 'https://evil.example/callback']) {
      const { status, location } = await authorize({ redirect_uri: other });
      expect(status).toBe(400);
      expect(location).toBeUndefined();
    }
  });

  it('registers only loopback http redirect URIs', async () => {
    const refused = await register({ redirect_uris: ['http://evil.example/callback'] });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_redirect_uri');
  });

  it.each<{ case: string; metadata: Record<string, unknown> }>([
    {
      case: 'a web client with an https redirect URI',
      metadata: { application_type: 'web', redirect_uris: ['https://attacker.example/cb'] },
    },
    { case: 'a native client with an https redirect URI only', metadata: { redirect_uris: ['https://attacker.example/cb'] } },
    { case: 'a native client with a private-use scheme redirect URI only', metadata: { redirect_uris: ['com.attacker.app:/cb'] } },
    {
      case: 'a confidential client (client_secret_basic)',
      metadata: { redirect_uris: [redirectUri], token_endpoint_auth_method: 'client_secret_basic' },
    },
    {
      case: 'a client-credentials client',
      metadata: {
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    },
    {
      case: 'a public client asking for the client-credentials grant too',
      metadata: { redirect_uris: [redirectUri], grant_types: ['authorization_code', 'client_credentials'] },
    },
    { case: 'an implicit-flow client', metadata: { redirect_uris: [redirectUri], response_types: ['token'], grant_types: ['implicit'] } },
  ])('refuses to register $case: open registration is for public clients with loopback redirect URIs', async ({ metadata }) => {
    const refused = await register(metadata);
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { error: string; error_description: string };
    expect(['invalid_client_metadata', 'invalid_redirect_uri']).toContain(body.error);
    expect(body.error_description).toMatch(/loopback|public|grant|response/);
  });

  it('registers a client listing a loopback redirect URI beside others with the loopback ones only (RFC 7591 §2 lets it replace them)', async () => {
    const registered = await register({
      redirect_uris: ['https://vscode.dev/redirect', 'http://127.0.0.1:33418/', 'http://localhost:4000/cb'],
    });
    expect(registered.status).toBe(201);
    const client = (await registered.json()) as { redirect_uris: string[]; token_endpoint_auth_method: string; grant_types: string[] };
    expect(client.redirect_uris).toEqual(['http://127.0.0.1:33418/', 'http://localhost:4000/cb']);
    expect(client.token_endpoint_auth_method).toBe('none');
    expect(client.grant_types).toEqual(['authorization_code', 'refresh_token']);
  });

  it('ignores the scope a client registers with, so it can step up later', async () => {
    const registered = await register({ redirect_uris: [redirectUri], scope: 'User.Read' });
    expect(registered.status).toBe(201);
    expect(((await registered.json()) as { scope?: string }).scope).toBeUndefined();
  });

  it('keeps a provider without users to client credentials: no registration, no login page', async () => {
    const plain = await startDevIdentityProvider({ resourceUrl: RESOURCE, clients: DEMO_CLIENTS });
    try {
      const discovery = (await (await fetch(`${plain.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      expect(discovery.registration_endpoint).toBeUndefined();
      expect(plain.registrationEndpoint).toBeUndefined();
      expect(await plain.token('demo-reader')).toEqual(expect.any(String));
    } finally {
      await plain.close();
    }
  });
});

describe('Development identity provider: a signing key kept in a file (MCP_EXAMPLE_IDP_KEY_FILE)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-dev-idp-key-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('signs with the same key after a restart, so tokens issued before it still verify', async () => {
    const signingKeyFile = join(dir, 'nested', 'signing-key.json');
    const first = await startDevIdentityProvider({ resourceUrl: RESOURCE, clients: DEMO_CLIENTS, signingKeyFile });
    const token = await first.token('demo-reader');
    await first.close();
    expect(statSync(signingKeyFile).mode & 0o777).toBe(0o600);

    const second = await startDevIdentityProvider({ resourceUrl: RESOURCE, clients: DEMO_CLIENTS, signingKeyFile });
    try {
      const keys = createRemoteJWKSet(new URL(`${second.issuer}/jwks`));
      const { payload } = await jwtVerify(token, keys, { audience: RESOURCE });
      expect(payload.sub).toBe('demo-reader');
    } finally {
      await second.close();
    }
  });

  it('makes a key once: later starts read it, and no temporary file is left behind', () => {
    const signingKeyFile = join(dir, 'raced', 'signing-key.json');
    const keys = Array.from({ length: 4 }, () => developmentSigningKey(signingKeyFile));

    expect(new Set(keys.map((key) => key.kid)).size).toBe(1);
    expect(readdirSync(join(dir, 'raced'))).toEqual(['signing-key.json']);
  });

  it('refuses a file that is not JSON, saying which file', async () => {
    const signingKeyFile = join(dir, 'truncated.json');
    writeFileSync(signingKeyFile, '{"kty":"RSA","d":');
    expect(() => developmentSigningKey(signingKeyFile)).toThrow(`${signingKeyFile} does not hold a private RSA key`);
  });

  it('refuses a file that holds no private key, saying which file', async () => {
    const signingKeyFile = join(dir, 'public.json');
    writeFileSync(signingKeyFile, JSON.stringify({ kty: 'RSA', n: 'x', e: 'AQAB', kid: 'k' }));
    await expect(startDevIdentityProvider({ resourceUrl: RESOURCE, clients: DEMO_CLIENTS, signingKeyFile })).rejects.toThrow(
      `${signingKeyFile} does not hold a private RSA key`,
    );
  });
});

describe('Development identity provider: clients and grants kept in SQLite (MCP_EXAMPLE_IDP_DB)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-dev-idp-store-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Registers a client, restarts the provider with the same options, and reads the registration back (RFC 7592). */
  async function readRegistrationAfterRestart(storeFile?: string): Promise<{ status: number; body: unknown; clientId: string }> {
    const options = { resourceUrl: RESOURCE, clients: DEMO_CLIENTS, users: DEMO_USERS, storeFile };
    const first = await startDevIdentityProvider(options);
    const registration = (await (
      await fetch(first.registrationEndpoint!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:4000/callback'], client_name: 'kept' }),
      })
    ).json()) as { client_id: string; registration_access_token: string };
    await first.close();
    const second = await startDevIdentityProvider(options);
    try {
      const read = await fetch(`${second.registrationEndpoint}/${registration.client_id}`, {
        headers: { authorization: `Bearer ${registration.registration_access_token}` },
      });
      return { status: read.status, body: await read.json(), clientId: registration.client_id };
    } finally {
      await second.close();
    }
  }

  it('knows a client registered before a restart', async () => {
    const { status, body, clientId } = await readRegistrationAfterRestart(join(dir, 'nested', 'idp.sqlite'));
    expect(status).toBe(200);
    expect(body).toMatchObject({ client_id: clientId, client_name: 'kept' });
  });

  it('without a store file, forgets its clients on restart (the in-memory default)', async () => {
    expect((await readRegistrationAfterRestart()).status).toBe(401);
  });
});
