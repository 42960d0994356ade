import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { connectMcpClient } from 'nestjs-mcp-auth/testing';
import { EXAMPLE_SCOPE_HIERARCHY, parseChallenge, post, postInMode, rpc, startHarness, toolNames } from './support/harness.js';
import type { Harness } from './support/harness.js';
import { modernCall, modernHeaders } from './support/modern.js';

const REQUIRED_SCOPES = 'io.github.nestjs-mcp-auth/requiredScopes';

/** `listing` (MCP_LISTING): what lists show a caller, and the step-up a listed-but-forbidden call meets. */
describe.each([
  { mode: 'session' as const, stateless: 'false' },
  { mode: 'stateless' as const, stateless: 'true' },
])('listing ($mode mode)', ({ mode, stateless }) => {
  const clients: Client[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
  });

  async function readerClient(h: Harness): Promise<Client> {
    const client = await connectMcpClient(h.resourceUrl, await h.token('demo-reader'));
    clients.push(client);
    return client;
  }

  describe('MCP_LISTING=all', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ MCP_STATELESS: stateless, MCP_LISTING: 'all', MCP_SCOPE_HIERARCHY: EXAMPLE_SCOPE_HIERARCHY });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('lists every tool, resource and prompt to a reader, each naming the scopes it needs in _meta', async () => {
      const client = await readerClient(h);
      const { tools } = await client.listTools();
      expect(Object.fromEntries(tools.map((tool) => [tool.name, tool._meta?.[REQUIRED_SCOPES]]))).toEqual({
        list_products: ['User.Read'],
        // Any of User.Write or Admin.Write: the least-privileged alternative is the one to ask for.
        create_product: ['User.Write'],
        import_products: ['User.Write'],
        delete_product: ['Admin.Write'],
        whoami: [],
      });
      const { resources } = await client.listResources();
      expect(resources.map((resource) => [resource.uri, resource._meta?.[REQUIRED_SCOPES]])).toEqual([
        ['products://catalog', ['User.Read']],
      ]);
      const { resourceTemplates } = await client.listResourceTemplates();
      expect(resourceTemplates.map((template) => template._meta?.[REQUIRED_SCOPES])).toEqual([['User.Read']]);
      const { prompts } = await client.listPrompts();
      expect(prompts.map((prompt) => [prompt.name, prompt._meta?.[REQUIRED_SCOPES]])).toEqual([['product_description', ['User.Write']]]);
    });

    it('answers a listed tool called without its scope with the 403 step-up challenge naming it', async () => {
      const token = await h.token('demo-reader');
      const response = await postInMode(mode, h.resourceUrl, token, rpc.callTool('delete_product', { id: 1 }));
      expect(response.status).toBe(403);
      expect(parseChallenge(response.headers.get('www-authenticate')).params).toMatchObject({
        error: 'insufficient_scope',
        scope: 'Admin.Write',
        resource_metadata: h.metadataUrl,
      });
      await response.text();
    });

    it('answers a listed prompt fetched without its scope with the 403 step-up challenge naming it', async () => {
      const token = await h.token('demo-reader');
      const response = await postInMode(mode, h.resourceUrl, token, rpc.getPrompt('product_description', { id: '1' }));
      expect(response.status).toBe(403);
      expect(parseChallenge(response.headers.get('www-authenticate')).params).toMatchObject({
        error: 'insufficient_scope',
        scope: 'User.Write',
      });
      await response.text();
    });

    it('does the same for a 2026-07-28 client: everything listed with its scopes, a forbidden call challenged', async () => {
      const token = await h.token('demo-reader');
      const client = new ClientV2({ name: 'e2e-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
      await client.connect(new TransportV2(new URL(h.resourceUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      try {
        expect(client.getProtocolEra()).toBe('modern');
        const { tools } = await client.listTools();
        expect(tools.find((tool) => tool.name === 'delete_product')?._meta?.[REQUIRED_SCOPES]).toEqual(['Admin.Write']);
        const { prompts } = await client.listPrompts();
        expect(prompts.find((prompt) => prompt.name === 'product_description')?._meta?.[REQUIRED_SCOPES]).toEqual(['User.Write']);
      } finally {
        await client.close();
      }
      const response = await post(h.resourceUrl, modernCall('delete_product', 9, { id: 1 }), {
        token,
        headers: modernHeaders('tools/call', 'delete_product'),
      });
      expect(response.status).toBe(403);
      expect(parseChallenge(response.headers.get('www-authenticate')).params).toMatchObject({
        error: 'insufficient_scope',
        scope: 'Admin.Write',
      });
      await response.text();
    });

    it('still serves what the caller may use', async () => {
      const client = await readerClient(h);
      expect((await client.callTool({ name: 'list_products', arguments: {} })).isError).toBeFalsy();
    });
  });

  describe('MCP_LISTING unset (granted)', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ MCP_STATELESS: stateless });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('hides what the caller may not use, and adds no _meta', async () => {
      const client = await readerClient(h);
      expect(await toolNames(client)).toEqual(['list_products', 'whoami']);
      const { tools } = await client.listTools();
      expect(tools.every((tool) => tool._meta === undefined)).toBe(true);
      expect((await client.listPrompts()).prompts).toEqual([]);
    });
  });
});
