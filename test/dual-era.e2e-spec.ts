import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client, ClientCredentialsProvider, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { openSession, post, rpc, startHarness, toolJson } from './support/harness.js';
import { MODERN, modernCall, modernHeaders } from './support/modern.js';
import type { Harness } from './support/harness.js';
import { describeOnPlatforms } from './support/platforms.js';

/**
 * A client-credentials provider that steps up: it adds the scopes a 403 challenge names
 * to what it requests next (the incremental-consent path of both eras).
 */
class StepUpClientCredentialsProvider extends ClientCredentialsProvider {
  readonly challenges: string[] = [];

  readonly observingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const challenge = response.status === 403 ? response.headers.get('www-authenticate') : null;
    const scope = challenge?.includes('insufficient_scope') ? /scope="([^"]*)"/.exec(challenge)?.[1] : undefined;
    if (scope) {
      this.challenges.push(scope);
      const requested = new Set(`${this.clientMetadata.scope ?? ''} ${scope}`.split(' ').filter(Boolean));
      this.clientMetadata.scope = [...requested].join(' ');
    }
    return response;
  };
}

type Negotiation = 'pinned' | 'auto';

describeOnPlatforms('dual era', (_platform, onPlatform) => {
  /**
   * One endpoint, both eras: the SDK v2 client pinned to 2026-07-28 and negotiating
   * (`auto`), and the v1 client (2025 revisions), against the same example server, with
   * sessions (the default) and without.
   */
  describe.each([
    { mode: 'session', stateless: 'false' },
    { mode: 'stateless', stateless: 'true' },
  ])('both MCP eras at one endpoint ($mode mode)', ({ mode, stateless }) => {
    let h: Harness;
    const closers: Array<() => Promise<void>> = [];

    beforeAll(async () => {
      h = await startHarness({ ...onPlatform, MCP_STATELESS: stateless });
    });
    afterAll(async () => {
      await Promise.all(closers.map((close) => close().catch(() => undefined)));
      await h?.close();
    });

    async function modernClient(negotiation: Negotiation, options: ConstructorParameters<typeof StreamableHTTPClientTransport>[1]) {
      // It shows the user forms, and the user confirms: delete_product asks first (an input_required round).
      const client = new Client(
        { name: 'e2e-modern', version: '1.0.0' },
        { versionNegotiation: { mode: negotiation === 'pinned' ? { pin: MODERN } : 'auto' }, capabilities: { elicitation: { form: {} } } },
      );
      client.setRequestHandler('elicitation/create', () => ({ action: 'accept', content: { confirm: true } }));
      await client.connect(new StreamableHTTPClientTransport(new URL(h.resourceUrl), options));
      closers.push(() => client.close());
      return client;
    }

    const withToken = (token: string) => ({ requestInit: { headers: { authorization: `Bearer ${token}` } } });

    async function legacyClient(token: string): Promise<LegacyClient> {
      const client = new LegacyClient({ name: 'e2e-legacy', version: '1.0.0' });
      await client.connect(new LegacyTransport(new URL(h.resourceUrl), withToken(token)));
      closers.push(() => client.close());
      return client;
    }

    describe.each<Negotiation>(['pinned', 'auto'])('the v2 client (%s)', (negotiation) => {
      it('speaks 2026-07-28, lists and calls the tools a reader may use', async () => {
        const client = await modernClient(negotiation, withToken(await h.token('demo-reader')));
        expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
        expect(client.getProtocolEra()).toBe('modern');
        const { tools } = await client.listTools();
        expect(tools.map((tool) => tool.name).sort()).toEqual(['list_products', 'whoami']);
        expect(toolJson(await client.callTool({ name: 'whoami', arguments: {} }))).toEqual({
          sub: 'demo-reader',
          clientId: 'demo-reader',
          scopes: ['User.Read'],
        });
      });

      it('reads resources and gets prompts within the scopes of the token', async () => {
        const client = await modernClient(negotiation, withToken(await h.token('demo-writer')));
        expect((await client.listResources()).resources.map((resource) => resource.uri)).toEqual(['products://catalog']);
        expect((await client.listResourceTemplates()).resourceTemplates.map((template) => template.uriTemplate)).toEqual([
          'products://items/{id}',
        ]);
        const catalog = await client.readResource({ uri: 'products://catalog' });
        expect(catalog.contents[0].uri).toBe('products://catalog');
        expect((await client.listPrompts()).prompts.map((prompt) => prompt.name)).toEqual(['product_description']);
        const prompt = await client.getPrompt({ name: 'product_description', arguments: { id: '1' } });
        expect(prompt.messages[0].content).toMatchObject({ type: 'text', text: expect.stringMatching(/description of/) });
      });

      it('gets the 403 step-up challenge on a modern tools/call, asks for the scope, and the call goes through', async () => {
        const authProvider = new StepUpClientCredentialsProvider({
          clientId: 'demo-admin',
          clientSecret: 'demo-admin-secret',
          expectedIssuer: h.idp.issuer,
          scope: 'User.Read',
        });
        // Starts from a reader's token (the first 401's hint would name every scope).
        const reader = await h.token('demo-admin', 'User.Read');
        authProvider.saveTokens({ access_token: reader, token_type: 'Bearer', scope: 'User.Read' });
        const client = await modernClient(negotiation, { authProvider, fetch: authProvider.observingFetch });
        expect(client.getProtocolEra()).toBe('modern');
        expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(['list_products', 'whoami']);
        // A product of its own to delete, made by a writer on the other era.
        const writer = await legacyClient(await h.token('demo-writer'));
        const { id } = toolJson(await writer.callTool({ name: 'create_product', arguments: { name: `step-up ${negotiation}`, price: 1 } }));
        const deleted = await client.callTool({ name: 'delete_product', arguments: { id } });
        expect(deleted.isError).toBeFalsy();
        expect(toolJson(deleted)).toMatchObject({ id });
        expect(authProvider.challenges).toEqual(['Admin.Write']);
        expect(authProvider.tokens()?.scope?.split(' ').sort()).toEqual(['Admin.Write', 'User.Read']);
      });

      it('reports a forbidden call to a client without an auth provider as the 403 challenge it read', async () => {
        const client = await modernClient(negotiation, withToken(await h.token('demo-reader')));
        await expect(client.callTool({ name: 'delete_product', arguments: { id: 1 } })).rejects.toMatchObject({
          name: 'InsufficientScopeError',
          requiredScope: 'Admin.Write',
          resourceMetadataUrl: new URL(h.metadataUrl),
        });
      });
    });

    it('serves the v1 client (2025 revisions) on the same endpoint: tools, resources and prompts', async () => {
      const client = await legacyClient(await h.token('demo-writer'));
      expect(client.getServerVersion()).toMatchObject({ name: 'product-catalog' });
      expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual([
        'create_product',
        'import_products',
        'list_products',
        'whoami',
      ]);
      expect(toolJson(await client.callTool({ name: 'whoami', arguments: {} }))).toMatchObject({ sub: 'demo-writer' });
      expect((await client.readResource({ uri: 'products://items/1' })).contents[0].uri).toBe('products://items/1');
      expect((await client.getPrompt({ name: 'product_description', arguments: { id: '1' } })).messages).toHaveLength(1);
    });

    if (mode === 'session') {
      it("refuses another subject's legacy session with 404, and its owner keeps it", async () => {
        const owner = await h.token('demo-reader');
        const sessionId = await openSession(h.resourceUrl, owner);
        const intruder = await post(h.resourceUrl, rpc.listTools(), {
          token: await h.token('demo-writer'),
          headers: { 'mcp-session-id': sessionId },
        });
        expect(intruder.status).toBe(404);
        expect(await intruder.json()).toMatchObject({ error: { code: -32001, message: 'Session not found' } });
        const kept = await post(h.resourceUrl, rpc.listTools(), { token: owner, headers: { 'mcp-session-id': sessionId } });
        expect(kept.status).toBe(200);
        expect(kept.headers.get('mcp-session-id')).toBe(sessionId);
      });

      it("ignores a session id sent with a modern request, even another subject's: served, none echoed", async () => {
        const sessionId = await openSession(h.resourceUrl, await h.token('demo-reader'));
        const response = await post(h.resourceUrl, modernCall('whoami', 7), {
          token: await h.token('demo-writer'),
          headers: { ...modernHeaders('tools/call', 'whoami'), 'mcp-session-id': sessionId },
        });
        expect(response.status).toBe(200);
        expect(response.headers.get('mcp-session-id')).toBeNull();
        expect(toolJson(((await response.json()) as { result: object }).result)).toMatchObject({ sub: 'demo-writer' });
      });
    }
  });
});
