import { post, startHarness } from './support/harness.js';
import { printedDuring } from './support/held-back-logger.js';
import type { Harness } from './support/harness.js';
import { modernCall, modernHeaders, envelope } from './support/modern.js';
import { describeOnPlatforms } from './support/platforms.js';

describeOnPlatforms("the example's own enhancers", (_platform, onPlatform) => {
  const send = async (h: Harness, token: string, method: string, params: Record<string, unknown>) => {
    const name = String(params.name ?? params.uri);
    const response = await post(
      h.resourceUrl,
      { jsonrpc: '2.0', id: 1, method, params: { _meta: envelope(), ...params } },
      {
        token,
        headers: modernHeaders(method, name),
      },
    );
    return (await response.json()) as { result?: Record<string, unknown>; error?: { code: number; message: string } };
  };
  const callTool = (h: Harness, token: string, name: string, args: Record<string, unknown> = {}) =>
    send(h, token, 'tools/call', modernCall(name, 1, args).params);

  describe('MCP_EXAMPLE_READ_ONLY=true, calls logged (the default)', () => {
    let h: Harness;
    beforeAll(async () => (h = await startHarness({ ...onPlatform, MCP_EXAMPLE_READ_ONLY: 'true', LOG_LEVEL: 'log' })));
    afterAll(() => h?.close());

    it("refuses every write tool with -32003 and keeps reads working, the refusal audited as the guard's", async () => {
      const writer = await h.token('demo-writer');
      const admin = await h.token('demo-admin');
      const printed = await printedDuring(async () => {
        expect((await callTool(h, writer, 'create_product', { name: 'Lamp', price: 3 })).error).toEqual({
          code: -32003,
          message: 'The catalogue is read-only: create_product is not available',
        });
        expect((await callTool(h, admin, 'delete_product', { id: 1 })).error).toMatchObject({ code: -32003 });
        expect((await callTool(h, writer, 'list_products')).result).toMatchObject({ structuredContent: { products: expect.any(Array) } });
        expect((await send(h, writer, 'resources/read', { uri: 'products://catalog' })).result).toMatchObject({
          contents: [{ uri: 'products://catalog' }],
        });
        expect((await send(h, writer, 'prompts/get', { name: 'product_description', arguments: { id: '1' } })).result).toMatchObject({
          messages: [{ role: 'user' }],
        });
      });
      const refusal = printed.split('\n').find((line) => line.includes('"reason":"guard_denied"'));
      expect(refusal).toMatch(/"action":"tools\/call".*"guard":"ReadOnlyGuard".*"tool":"create_product"/);
    });

    it("logs each call with its name, the caller's subject and its duration, never the token", async () => {
      const reader = await h.token('demo-reader');
      const writer = await h.token('demo-writer');
      const printed = await printedDuring(async () => {
        await callTool(h, reader, 'list_products');
        await send(h, reader, 'resources/read', { uri: 'products://items/999' });
        await callTool(h, writer, 'create_product', { name: 'Lamp', price: 3 });
      });
      expect(printed).toMatch(/\[McpCalls\] tool list_products by demo-reader answered in \d+\.\d ms/);
      expect(printed).toMatch(/\[McpCalls\] resource product by demo-reader failed \(NotFoundException\) in \d+\.\d ms/);
      // Refused by the guard, which runs before interceptors: the audit trail has it, the interceptor never sees it.
      expect(printed).not.toMatch(/\[McpCalls\] tool create_product/);
      expect(printed).not.toContain(reader);
      expect(printed).not.toContain(writer);
    });
  });

  describe('writable, calls not logged (MCP_EXAMPLE_LOG_CALLS=false)', () => {
    let h: Harness;
    beforeAll(async () => (h = await startHarness({ ...onPlatform, MCP_EXAMPLE_LOG_CALLS: 'false', LOG_LEVEL: 'log' })));
    afterAll(() => h?.close());

    it('serves delete_product through @McpArgs(), @McpPrincipal() and @McpContext(): it asks, deletes once confirmed, and logs no call', async () => {
      const admin = await h.token('demo-admin');
      // A 2026-07-28 client that can show the user a form: the call's first round asks, the second carries the answer.
      const withForms = { _meta: { ...envelope(), 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } } };
      const printed = await printedDuring(async () => {
        const asked = await send(h, admin, 'tools/call', { name: 'delete_product', arguments: { id: 2 }, ...withForms });
        expect(asked.result).toMatchObject({
          resultType: 'input_required',
          inputRequests: {
            elicitation: { method: 'elicitation/create', params: { message: 'Delete "Mouse" (id 2) from the catalogue?' } },
          },
        });
        const answered = await send(h, admin, 'tools/call', {
          name: 'delete_product',
          arguments: { id: 2 },
          inputResponses: { elicitation: { action: 'accept', content: { confirm: true } } },
          requestState: asked.result!.requestState,
          ...withForms,
        });
        expect(answered.result).toMatchObject({ structuredContent: { id: 2, name: 'Mouse' } });
      });
      expect(printed).toContain('Product 2 deleted by demo-admin');
      expect(printed).not.toContain('[McpCalls]');
    });
  });
});
