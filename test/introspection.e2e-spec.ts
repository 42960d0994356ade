import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { connectMcpClient } from 'nestjs-mcp-auth/testing';
import { parseChallenge, post, rpc, startHarness, toolJson, toolNames } from './support/harness.js';
import type { Harness } from './support/harness.js';

const OTHER_RESOURCE = 'https://other-api.example/mcp';

async function refusal(h: Harness, token: string): Promise<{ status: number; params: Record<string, string> }> {
  const response = await post(h.resourceUrl, rpc.initialize(), { token });
  await response.text();
  return { status: response.status, params: parseChallenge(response.headers.get('www-authenticate')).params };
}

/** Opaque tokens: RFC 7662 introspection against oidc-provider's endpoint, through the example app and the SDK client. */
describe('opaque tokens (MCP_AUTH_MODE=introspection)', () => {
  let h: Harness;
  const clients: Client[] = [];

  beforeAll(async () => {
    h = await startHarness({ MCP_AUTH_MODE: 'introspection', MCP_STATELESS: 'true' }, { otherResources: [OTHER_RESOURCE] });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await h?.close();
  });

  it('receives opaque (non-JWT) tokens from the identity provider', async () => {
    expect((await h.token('demo-reader')).split('.')).toHaveLength(1);
  });

  it('serves an active token to the SDK client with the same principal shape as a JWT', async () => {
    const client = await connectMcpClient(h.resourceUrl, await h.token('demo-writer'));
    clients.push(client);
    expect(await toolNames(client)).toEqual(['create_product', 'import_products', 'list_products', 'whoami']);
    expect(toolJson(await client.callTool({ name: 'whoami', arguments: {} }))).toEqual({
      sub: 'demo-writer',
      clientId: 'demo-writer',
      scopes: ['User.Read', 'User.Write'],
    });
    await expect(client.callTool({ name: 'delete_product', arguments: { id: 1 } })).rejects.toMatchObject({ code: 403 });
  });

  it('introspects a token once and answers later requests from the cache', async () => {
    const token = await h.token('demo-reader');
    const before = h.idp.introspectionRequests();
    for (let i = 0; i < 3; i++) expect((await post(h.resourceUrl, rpc.listTools(i + 2), { token })).status).toBe(200);
    expect(h.idp.introspectionRequests() - before).toBe(1);
  });

  it('refuses a revoked (inactive) token with 401 invalid_token', async () => {
    const token = await h.token('demo-reader');
    await h.idp.revoke('demo-reader', token);
    expect(await refusal(h, token)).toEqual({
      status: 401,
      params: expect.objectContaining({
        error: 'invalid_token',
        error_description: expect.stringMatching(/not active/),
        resource_metadata: h.metadataUrl,
      }),
    });
  });

  it('refuses an active token issued for another resource (foreign audience)', async () => {
    const token = await h.token('demo-admin', undefined, OTHER_RESOURCE);
    expect(await refusal(h, token)).toEqual({
      status: 401,
      params: expect.objectContaining({ error: 'invalid_token', error_description: 'The access token was not issued for this resource' }),
    });
  });

  it('refuses a token the identity provider never issued', async () => {
    const result = await refusal(h, 'made-up-reference-token-0123456789');
    expect(result.status).toBe(401);
    expect(result.params.error).toBe('invalid_token');
  });

  it('asks the identity provider once about a refused token repeated (the refusal is remembered for 10 s)', async () => {
    const revoked = await h.token('demo-reader');
    await h.idp.revoke('demo-reader', revoked);
    const before = h.idp.introspectionRequests();
    for (const token of [revoked, revoked, revoked, 'never-issued-token-abcdef', 'never-issued-token-abcdef']) {
      const result = await refusal(h, token);
      expect(result.status).toBe(401);
      expect(result.params.error).toBe('invalid_token');
    }
    expect(h.idp.introspectionRequests() - before).toBe(2);
  });
});

/** Tokens that live two seconds: the cache must not outlive them. */
describe('opaque tokens that expire', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ MCP_AUTH_MODE: 'introspection', MCP_STATELESS: 'true' }, { accessTokenTtlSeconds: 2 });
  });
  afterAll(() => h?.close());

  it('accepts the token while it lives, then refuses it once expired even though it was cached', async () => {
    const token = await h.token('demo-reader');
    const issuedAt = Date.now();
    expect((await post(h.resourceUrl, rpc.listTools(), { token })).status).toBe(200);
    const before = h.idp.introspectionRequests();
    // Wait (once, bounded) until the token has expired at the identity provider.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, issuedAt + 3_100 - Date.now())));
    expect(await refusal(h, token)).toEqual({ status: 401, params: expect.objectContaining({ error: 'invalid_token' }) });
    // The cached result ended with the token's exp, so the identity provider was asked again.
    expect(h.idp.introspectionRequests() - before).toBe(1);
  });
});
