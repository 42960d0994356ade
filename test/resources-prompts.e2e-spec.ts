import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { connectMcpClient } from 'nestjs-mcp-auth/testing';
import { parseChallenge, postInMode, rpc, startHarness } from './support/harness.js';
import type { Harness } from './support/harness.js';

/** Resources and prompts: listed, read and refused per scope, through the example app and the SDK client, in both modes. */
describe.each([{ mode: 'stateless', stateless: 'true' } as const, { mode: 'session', stateless: 'false' } as const])(
  'resources and prompts ($mode mode)',
  ({ mode, stateless }) => {
    let h: Harness;
    const clients: Client[] = [];

    beforeAll(async () => {
      h = await startHarness({ MCP_STATELESS: stateless });
    });
    afterAll(async () => {
      await Promise.all(clients.map((client) => client.close()));
      await h?.close();
    });

    async function connect(token: string): Promise<Client> {
      const client = await connectMcpClient(h.resourceUrl, token);
      clients.push(client);
      return client;
    }

    /** A raw request, on a session of its own when the server keeps sessions. */
    function send(token: string, body: unknown): Promise<Response> {
      return postInMode(mode, h.resourceUrl, token, body);
    }

    async function expectStepUp(token: string, body: unknown, scope: string, description: RegExp): Promise<void> {
      const response = await send(token, body);
      expect(response.status).toBe(403);
      expect(parseChallenge(response.headers.get('www-authenticate')).params).toEqual({
        error: 'insufficient_scope',
        error_description: expect.stringMatching(description),
        scope,
        resource_metadata: h.metadataUrl,
      });
    }

    it('shows a reader the catalogue resource and template, and reads both', async () => {
      const client = await connect(await h.token('demo-reader'));
      expect(client.getServerCapabilities()).toMatchObject({ resources: {}, prompts: {} });
      const { resources } = await client.listResources();
      expect(resources).toEqual([
        {
          uri: 'products://catalog',
          name: 'catalog',
          title: 'Product catalogue',
          description: 'Every product with its price',
          mimeType: 'application/json',
        },
      ]);
      const { resourceTemplates } = await client.listResourceTemplates();
      expect(resourceTemplates.map((template) => template.uriTemplate)).toEqual(['products://items/{id}']);

      const catalog = await client.readResource({ uri: 'products://catalog' });
      expect(catalog.contents[0]).toMatchObject({ uri: 'products://catalog', mimeType: 'application/json' });
      expect(JSON.parse((catalog.contents[0] as { text: string }).text).products.map((p: { name: string }) => p.name)).toEqual(
        expect.arrayContaining(['Keyboard', 'Mouse']),
      );
      const item = await client.readResource({ uri: 'products://items/1' });
      expect(JSON.parse((item.contents[0] as { text: string }).text)).toEqual({ id: 1, name: 'Keyboard', price: 49.9 });
    });

    it('hides the writer-only prompt from a reader and refuses it with a 403 step-up challenge before dispatch', async () => {
      const reader = await h.token('demo-reader');
      const client = await connect(reader);
      expect((await client.listPrompts()).prompts).toEqual([]);
      await expect(client.getPrompt({ name: 'product_description', arguments: { id: '1' } })).rejects.toMatchObject({ code: 403 });
      await expectStepUp(
        reader,
        rpc.getPrompt('product_description', { id: '1' }),
        'User.Write',
        /^Prompt product_description requires scope/,
      );
    });

    it('lists and renders the prompt for a writer, and rejects bad arguments', async () => {
      const client = await connect(await h.token('demo-writer'));
      const { prompts } = await client.listPrompts();
      expect(prompts).toEqual([
        {
          name: 'product_description',
          title: 'Product description',
          description: 'Ask the model for a short marketing description of a product',
          arguments: [
            { name: 'id', description: 'The product id', required: true },
            { name: 'tone', description: 'The tone of voice, e.g. "playful"', required: false },
          ],
        },
      ]);
      const prompt = await client.getPrompt({ name: 'product_description', arguments: { id: '2', tone: 'playful' } });
      expect(prompt.messages).toEqual([
        { role: 'user', content: { type: 'text', text: expect.stringContaining('playful description of "Mouse"') } },
      ]);
      await expect(client.getPrompt({ name: 'product_description', arguments: { id: 'two' } })).rejects.toThrow(/must be a product id/);
    });

    it('shows a token without User.Read no resources and refuses reading them with 403 scope="User.Read"', async () => {
      const adminOnly = await h.token('demo-admin', 'Admin.Write');
      const client = await connect(adminOnly);
      expect((await client.listResources()).resources).toEqual([]);
      expect((await client.listResourceTemplates()).resourceTemplates).toEqual([]);
      await expectStepUp(adminOnly, rpc.readResource('products://catalog'), 'User.Read', /^Resource catalog requires scope/);
      await expectStepUp(adminOnly, rpc.readResource('products://items/1'), 'User.Read', /^Resource product requires scope/);
    });

    it('answers an unknown resource with a JSON-RPC error, not a 5xx (-32602 with the uri, as the SDK answers on every revision)', async () => {
      const response = await send(await h.token('demo-reader'), rpc.readResource('products://nothing-here'));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        error: { code: -32602, message: expect.stringMatching(/Resource not found/), data: { uri: 'products://nothing-here' } },
      });
    });

    it('refuses, in a batch, only the forbidden read and serves its permitted sibling', async () => {
      const response = await send(await h.token('demo-reader'), [
        rpc.readResource('products://catalog', 10),
        rpc.getPrompt('product_description', { id: '1' }, 11),
      ]);
      expect(response.status).toBe(200);
      const answers = (await response.json()) as Array<{
        id: number;
        result?: { contents?: Array<{ uri: string }> };
        error?: { code: number };
      }>;
      expect(answers.find((answer) => answer.id === 10)?.result?.contents?.[0]?.uri).toBe('products://catalog');
      expect(answers.find((answer) => answer.id === 11)?.error?.code).toBe(-32003);
    });
  },
);
