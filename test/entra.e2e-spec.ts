import { createHash } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { compactVerify, importJWK } from 'jose';
import { connectMcpClient, startTestIdentityProvider } from 'nestjs-mcp-auth/testing';
import type { TestIdentityProvider, TestTokenOptions } from 'nestjs-mcp-auth/testing';
import { EXAMPLE_SCOPE_HIERARCHY, openSession, post, rpc, startExample, toolJson, toolNames } from './support/harness.js';
import type { ExampleServer } from './support/harness.js';

const HOME_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const SECOND_TENANT = '4a1b2c3d-0000-4e5f-8a9b-0c1d2e3f4a5b';
const THIRD_TENANT = '9e8d7c6b-1111-4a2b-9c3d-4e5f6a7b8c9d';
const API_CLIENT_ID = '3b9e2f51-7c0d-4a8e-b6f2-1d4c5e6f7a80';
const CALLER_APP = 'e4c1f0a2-2b3c-4d5e-8f90-a1b2c3d4e5f6';
const GRAPH = '00000003-0000-0000-c000-000000000000';

/**
 * The example with MCP_AUTH_IDP=entra against an Entra-shaped identity provider on loopback
 * (tenant paths, v2 and v1 issuers, `scp`/`roles`, `tid`/`oid`, GUID and api:// audiences).
 */
describe('Entra ID preset (example app, MCP_AUTH_IDP=entra)', () => {
  let idp: TestIdentityProvider;
  let app: ExampleServer;
  const clients: Client[] = [];

  beforeAll(async () => {
    idp = await startTestIdentityProvider({ shape: 'entra', tenantId: HOME_TENANT });
    app = await startExample(() => ({
      // Identities of a forged tenant: the users table is exercised in known-users.e2e-spec.ts.
      MCP_EXAMPLE_REQUIRE_KNOWN_USERS: 'false',
      MCP_AUTH_IDP: 'entra',
      MCP_SCOPE_HIERARCHY: EXAMPLE_SCOPE_HIERARCHY,
      MCP_AUTH_ENTRA_TENANT_ID: HOME_TENANT,
      MCP_AUTH_ENTRA_CLIENT_ID: API_CLIENT_ID,
      MCP_AUTH_ENTRA_ACCEPT_V1_TOKENS: 'true',
      MCP_AUTH_ENTRA_AUTHORITY_HOST: idp.url,
    }));
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await app?.close();
    await idp?.close();
  });

  /** A v2 delegated token as Entra issues it for this API (aud = the API's client id). */
  const delegated = (claims: Record<string, unknown> = {}, options?: TestTokenOptions) =>
    idp.token(
      {
        aud: API_CLIENT_ID,
        azp: CALLER_APP,
        azpacr: '0',
        name: 'Ada Lovelace',
        preferred_username: 'ada@contoso.com',
        scp: 'User.Read',
        ...claims,
      },
      options,
    );

  async function client(token: string): Promise<Client> {
    // Plays the user who confirms: delete_product asks first.
    const connected = await connectMcpClient(app.resourceUrl, token, {
      elicitation: () => ({ action: 'accept', content: { confirm: true } }),
    });
    clients.push(connected);
    return connected;
  }

  async function refusal(token: string): Promise<{ status: number; challenge: string | null }> {
    const response = await post(app.resourceUrl, rpc.initialize(), { token });
    return { status: response.status, challenge: response.headers.get('www-authenticate') };
  }

  const invalidToken = (description: string) =>
    `Bearer error="invalid_token", error_description="${description}", resource_metadata="${app.metadataUrl}"`;

  it('advertises the v2 issuer and the full api:// scopes clients must request from Entra', async () => {
    const metadata = await (await fetch(app.metadataUrl)).json();
    expect(metadata).toEqual({
      resource: app.resourceUrl,
      authorization_servers: [`${idp.url}/${HOME_TENANT}/v2.0`],
      bearer_methods_supported: ['header'],
      // The example's baseline (MCP_BASELINE_SCOPES, default User.Read); step-up asks for the rest.
      scopes_supported: [`api://${API_CLIENT_ID}/User.Read`],
      resource_name: 'Product catalogue (example)',
    });
  });

  it('v2 delegated (scp): the reader lists and calls the read tools, its short scope names intact', async () => {
    const reader = await client(await delegated({ sub: 'pairwise-sub-1' }));
    expect(await toolNames(reader)).toEqual(['list_products', 'whoami']);
    expect(toolJson(await reader.callTool({ name: 'whoami', arguments: {} }))).toEqual({
      sub: 'pairwise-sub-1',
      clientId: CALLER_APP,
      scopes: ['User.Read'],
    });
  });

  it('v2 app-only (roles, no scp): the Admin.Write app role grants every tool', async () => {
    const daemon = await client(
      await idp.token({ aud: API_CLIENT_ID, azp: CALLER_APP, azpacr: '1', roles: ['Admin.Write'], idtyp: 'app' }),
    );
    expect(await toolNames(daemon)).toEqual(['create_product', 'delete_product', 'import_products', 'list_products', 'whoami']);
    const { id } = toolJson(await daemon.callTool({ name: 'create_product', arguments: { name: 'Rack', price: 99 } }));
    expect(toolJson(await daemon.callTool({ name: 'delete_product', arguments: { id } }))).toEqual({ id, name: 'Rack', price: 99 });
  });

  it('v1 delegated (sts.windows.net issuer, api:// audience, appid): accepted when acceptV1Tokens is set', async () => {
    const writer = await client(await idp.token({ aud: `api://${API_CLIENT_ID}`, appid: CALLER_APP, scp: 'User.Write' }, { version: 1 }));
    expect(await toolNames(writer)).toEqual(['create_product', 'import_products', 'list_products', 'whoami']);
    expect(toolJson(await writer.callTool({ name: 'whoami', arguments: {} }))).toMatchObject({
      clientId: CALLER_APP,
      scopes: ['User.Write'],
    });
  });

  it('refuses a call beyond the scopes with a challenge naming the api:// scope to request', async () => {
    const reader = await delegated();
    const sessionId = await openSession(app.resourceUrl, reader);
    const response = await post(app.resourceUrl, rpc.callTool('delete_product', { id: 1 }), {
      token: reader,
      headers: { 'mcp-session-id': sessionId },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", error_description="Tool delete_product requires scope: Admin.Write", scope="api://${API_CLIENT_ID}/Admin.Write", resource_metadata="${app.metadataUrl}"`,
    );
  });

  it('refuses a Microsoft Graph token (nonce header, signature that never verifies) for what it is', async () => {
    // Graph signs over a hash of the nonce and sends the nonce itself: the signature fails for anyone but Graph.
    const nonce = 'AQABAAAAAAD--DLA3VO7QrddgJg7WevrQm';
    const signed = await idp.token(
      { aud: GRAPH, scp: 'User.Read Mail.Read', appid: CALLER_APP },
      { version: 1, header: { nonce: createHash('sha256').update(nonce).digest('base64url') } },
    );
    const [header, payload, signature] = signed.split('.');
    const sent = { ...JSON.parse(Buffer.from(header, 'base64url').toString()), nonce };
    const graphToken = `${Buffer.from(JSON.stringify(sent)).toString('base64url')}.${payload}.${signature}`;
    await expect(compactVerify(graphToken, await importJWK(idp.key.publicJwk, 'RS256'))).rejects.toThrow('signature verification failed');
    expect(await refusal(graphToken)).toEqual({
      status: 401,
      challenge: invalidToken(
        `The access token was issued for Microsoft Graph, not for this API: request a token for api://${API_CLIENT_ID}/<scope> (or api://${API_CLIENT_ID}/.default)`,
      ),
    });
  });

  it.each([
    [
      'a token of a second tenant',
      () => delegated({}, { tenantId: SECOND_TENANT }),
      'The access token was issued by an issuer this server does not trust',
    ],
    [
      'a token for another API',
      () => delegated({ aud: 'f0f0f0f0-0000-4000-8000-000000000000' }),
      'The access token was not issued for this resource',
    ],
    [
      'a home-tenant issuer with a foreign tid',
      () => delegated({ tid: SECOND_TENANT }),
      'The access token was issued by a tenant this server does not accept',
    ],
    ['a token without oid', () => delegated({ oid: undefined }), 'The access token has no object id (oid)'],
  ])('refuses %s with 401 invalid_token', async (_case, mint, description) => {
    expect(await refusal(await mint())).toEqual({ status: 401, challenge: invalidToken(description) });
  });

  it('keys the principal by tid + oid: the same user keeps the session across apps (pairwise sub), another user cannot use it', async () => {
    const oid = '0d5a6c1e-9f3b-4c2d-8e7f-6a5b4c3d2e1f';
    const sessionId = await openSession(app.resourceUrl, await delegated({ oid, sub: 'sub-seen-by-app-1' }));
    const sameUser = await post(app.resourceUrl, rpc.listTools(), {
      token: await delegated({ oid, sub: 'sub-seen-by-app-2' }),
      headers: { 'mcp-session-id': sessionId },
    });
    expect(sameUser.status).toBe(200);
    const otherUser = await post(app.resourceUrl, rpc.listTools(), {
      token: await delegated({ sub: 'sub-seen-by-app-1' }),
      headers: { 'mcp-session-id': sessionId },
    });
    expect(otherUser.status).toBe(404);
  });
});

describe('Entra ID preset, multi-tenant (organizations + allow-list)', () => {
  let idp: TestIdentityProvider;
  let app: ExampleServer;

  beforeAll(async () => {
    idp = await startTestIdentityProvider({ shape: 'entra', tenantId: HOME_TENANT, audience: API_CLIENT_ID });
    app = await startExample(() => ({
      // Identities of a forged tenant: the users table is exercised in known-users.e2e-spec.ts.
      MCP_EXAMPLE_REQUIRE_KNOWN_USERS: 'false',
      MCP_AUTH_IDP: 'entra',
      MCP_SCOPE_HIERARCHY: EXAMPLE_SCOPE_HIERARCHY,
      MCP_AUTH_ENTRA_TENANT_ID: 'organizations',
      MCP_AUTH_ENTRA_CLIENT_ID: API_CLIENT_ID,
      MCP_AUTH_ENTRA_ALLOWED_TENANTS: `${HOME_TENANT},${SECOND_TENANT}`,
      MCP_AUTH_ENTRA_AUTHORITY_HOST: idp.url,
    }));
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  it('refuses a tenant outside the allow-list before fetching any key, and lists every allowed tenant', async () => {
    const response = await post(app.resourceUrl, rpc.initialize(), {
      token: await idp.token({ scp: 'User.Read' }, { tenantId: THIRD_TENANT }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain(
      'error_description="The access token was issued by an issuer this server does not trust"',
    );
    expect(idp.jwksRequests).toBe(0);
    const metadata = (await (await fetch(app.metadataUrl)).json()) as { authorization_servers: string[] };
    expect(metadata.authorization_servers).toEqual([`${idp.url}/${HOME_TENANT}/v2.0`, `${idp.url}/${SECOND_TENANT}/v2.0`]);
  });

  it.each([HOME_TENANT, SECOND_TENANT])('accepts users of allowed tenant %s', async (tenantId) => {
    const client = await connectMcpClient(app.resourceUrl, await idp.token({ scp: 'User.Read' }, { tenantId }));
    try {
      expect(await toolNames(client)).toEqual(['list_products', 'whoami']);
    } finally {
      await client.close();
    }
  });

  it('refuses a v1 token (v1 not accepted here) saying how to get v2 tokens', async () => {
    const response = await post(app.resourceUrl, rpc.initialize(), {
      token: await idp.token({ aud: `api://${API_CLIENT_ID}`, scp: 'User.Read' }, { version: 1 }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_token", error_description="The access token is an Entra ID v1.0 token: set accessTokenAcceptedVersion to 2 in the API app registration's manifest (or accept v1 tokens on this server)", resource_metadata="${app.metadataUrl}"`,
    );
  });

  it("refuses a token whose issuer is one allowed tenant's and tid another's", async () => {
    const response = await post(app.resourceUrl, rpc.initialize(), {
      token: await idp.token({ scp: 'User.Read', tid: SECOND_TENANT }, { tenantId: HOME_TENANT }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain(
      `error_description="The access token's issuer does not belong to its tenant (tid)"`,
    );
  });
});
