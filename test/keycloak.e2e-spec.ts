import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { connectMcpClient, startTestIdentityProvider } from 'nestjs-mcp-auth/testing';
import type { TestIdentityProvider } from 'nestjs-mcp-auth/testing';
import { EXAMPLE_SCOPE_HIERARCHY, openSession, post, rpc, startExample, toolJson, toolNames } from './support/harness.js';
import type { ExampleServer } from './support/harness.js';

/**
 * The example with MCP_AUTH_IDP=keycloak against a Keycloak-shaped identity provider on
 * loopback: realm issuer and discovery paths, `typ: Bearer`, `azp`, `scope`, realm roles
 * in `realm_access`, client roles in `resource_access`, and Keycloak's default `account` audience.
 */
describe('Keycloak preset (example app, MCP_AUTH_IDP=keycloak)', () => {
  let idp: TestIdentityProvider;
  let app: ExampleServer;
  const clients: Client[] = [];

  beforeAll(async () => {
    idp = await startTestIdentityProvider({ shape: 'keycloak', realm: 'acme' });
    // Nothing but the realm and the client whose roles count; the audience defaults to the resource URL.
    app = await startExample(() => ({
      // Identities of a forged tenant: the users table is exercised in known-users.e2e-spec.ts.
      MCP_EXAMPLE_REQUIRE_KNOWN_USERS: 'false',
      MCP_AUTH_IDP: 'keycloak',
      MCP_SCOPE_HIERARCHY: EXAMPLE_SCOPE_HIERARCHY,
      MCP_AUTH_KEYCLOAK_URL: idp.url,
      MCP_AUTH_KEYCLOAK_REALM: 'acme',
      MCP_AUTH_KEYCLOAK_CLIENT_ID: 'mcp-api',
    }));
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await app?.close();
    await idp?.close();
  });

  /** A token as Keycloak issues it once an Audience mapper adds this server (next to `account`). */
  const token = (claims: Record<string, unknown>) =>
    idp.token({ aud: [app.resourceUrl, 'account'], scope: 'openid profile email', ...claims });

  async function client(claims: Record<string, unknown>): Promise<Client> {
    // Plays the user who confirms: delete_product asks first.
    const connected = await connectMcpClient(app.resourceUrl, await token(claims), {
      elicitation: () => ({ action: 'accept', content: { confirm: true } }),
    });
    clients.push(connected);
    return connected;
  }

  it('publishes the realm as authorization server, found by discovery at the Keycloak paths', async () => {
    const metadata = await (await fetch(app.metadataUrl)).json();
    expect(metadata).toEqual({
      resource: app.resourceUrl,
      authorization_servers: [`${idp.url}/realms/acme`],
      bearer_methods_supported: ['header'],
      // The example's baseline (MCP_BASELINE_SCOPES, default User.Read); step-up asks for the rest.
      scopes_supported: ['User.Read'],
      resource_name: 'Product catalogue (example)',
      // Keycloak binds tokens to DPoP keys (client setting); the example accepts them by default (MCP_DPOP=allowed).
      dpop_signing_alg_values_supported: [
        'ES256',
        'ES384',
        'ES512',
        'PS256',
        'PS384',
        'PS512',
        'RS256',
        'RS384',
        'RS512',
        'EdDSA',
        'Ed25519',
      ],
      dpop_bound_access_tokens_required: false,
    });
  });

  it('scope claim: a reader lists and calls the read tools only', async () => {
    const reader = await client({ scope: 'openid profile User.Read', sub: 'f2a1-reader', azp: 'claude-desktop' });
    expect(await toolNames(reader)).toEqual(['list_products', 'whoami']);
    expect(toolJson(await reader.callTool({ name: 'whoami', arguments: {} }))).toEqual({
      sub: 'f2a1-reader',
      clientId: 'claude-desktop',
      scopes: ['openid', 'profile', 'User.Read'],
    });
    expect((await reader.callTool({ name: 'list_products', arguments: {} })).isError).toBeFalsy();
  });

  it('realm role of an app-only token (no scope claim): User.Write grants writing and, through the hierarchy, reading', async () => {
    const writer = await client({ scope: undefined, realm_access: { roles: ['offline_access', 'uma_authorization', 'User.Write'] } });
    expect(await toolNames(writer)).toEqual(['create_product', 'import_products', 'list_products', 'whoami']);
    const created = toolJson(await writer.callTool({ name: 'create_product', arguments: { name: 'Shelf', price: 45 } }));
    expect(created).toMatchObject({ name: 'Shelf', price: 45 });
  });

  it("client role of an app-only token: Admin.Write of the configured client grants everything; another client's roles grant nothing", async () => {
    const admin = await client({
      scope: undefined,
      resource_access: { 'mcp-api': { roles: ['Admin.Write'] }, account: { roles: ['manage-account'] } },
    });
    expect(await toolNames(admin)).toEqual(['create_product', 'delete_product', 'import_products', 'list_products', 'whoami']);
    const { id } = toolJson(await admin.callTool({ name: 'create_product', arguments: { name: 'Stool', price: 20 } }));
    expect(toolJson(await admin.callTool({ name: 'delete_product', arguments: { id } }))).toEqual({ id, name: 'Stool', price: 20 });

    const outsider = await client({ scope: undefined, resource_access: { 'other-app': { roles: ['Admin.Write'] } } });
    expect(await toolNames(outsider)).toEqual(['whoami']);
  });

  it("M3 a delegated token is limited to its granted scopes: the user's realm and client roles do not widen it", async () => {
    const consentedToRead = await client({
      scope: 'openid User.Read',
      realm_access: { roles: ['Admin.Write'] },
      resource_access: { 'mcp-api': { roles: ['Admin.Write'] } },
    });
    expect(await toolNames(consentedToRead)).toEqual(['list_products', 'whoami']);
    const reader = await token({ scope: 'openid User.Read', realm_access: { roles: ['Admin.Write'] } });
    const sessionId = await openSession(app.resourceUrl, reader);
    const response = await post(app.resourceUrl, rpc.callTool('delete_product', { id: 1 }), {
      token: reader,
      headers: { 'mcp-session-id': sessionId },
    });
    expect(response.status).toBe(403);
  });

  it('refuses a call beyond the scopes with the exact step-up challenge', async () => {
    const reader = await token({ scope: 'openid User.Read' });
    const sessionId = await openSession(app.resourceUrl, reader);
    const response = await post(app.resourceUrl, rpc.callTool('delete_product', { id: 1 }), {
      token: reader,
      headers: { 'mcp-session-id': sessionId },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", error_description="Tool delete_product requires scope: Admin.Write", scope="Admin.Write", resource_metadata="${app.metadataUrl}"`,
    );
  });

  it.each([
    [
      "only Keycloak's default audience",
      { aud: 'account' },
      "The access token's only audience is Keycloak's default 'account', not this server: in Keycloak, request it with the resource parameter (resource indicators, Keycloak 26.7+) or add an Audience mapper (Included Custom Audience: this server's resource URL) to a client scope of the calling client",
    ],
    [
      'no audience at all',
      { aud: undefined },
      "The access token has no audience: in Keycloak, request it with the resource parameter (resource indicators, Keycloak 26.7+) or add an Audience mapper (Included Custom Audience: this server's resource URL) to a client scope of the calling client",
    ],
    ['an ID token', { typ: 'ID' }, 'The token is a Keycloak ID or refresh token (typ), not an access token'],
    [
      'a token of another realm',
      { iss: 'https://sso.example.com/realms/other' },
      'The access token was issued by an issuer this server does not trust',
    ],
  ])('refuses %s with 401 invalid_token and a precise description', async (_case, claims, description) => {
    const response = await post(app.resourceUrl, rpc.initialize(), { token: await token({ scope: 'openid User.Read', ...claims }) });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_token", error_description="${description}", resource_metadata="${app.metadataUrl}"`,
    );
  });
});
