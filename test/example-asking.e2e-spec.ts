import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { ERAS } from './support/era-clients.js';
import type { Era } from './support/era-clients.js';
import { startHarness, toolJson } from './support/harness.js';
import type { Harness } from './support/harness.js';
import { MODERN } from './support/modern.js';

type Decision = 'accept' | 'decline';

/**
 * The example's tools that ask and report, through the real SDK clients on both eras:
 * `delete_product` asks the user to confirm and deletes only on an accepting answer;
 * `import_products` reports progress per product to a client that asked for it.
 */
describe("the example's delete_product confirmation and import_products progress", () => {
  let h: Harness;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await Promise.all(closers.map((close) => close().catch(() => undefined)));
    await h?.close();
  });

  /** A client of `era` for `token` whose user answers every question with `decision` (confirm ticked when accepting). */
  async function clientOf(era: Era, token: string, decision: Decision, asked: string[] = []) {
    const requestInit = { headers: { authorization: `Bearer ${token}` } };
    const answer = (message: string) => {
      asked.push(message);
      return decision === 'accept' ? { action: 'accept' as const, content: { confirm: true } } : { action: 'decline' as const };
    };
    if (era === 'legacy') {
      const client = new Client({ name: 'e2e-v1', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
      client.setRequestHandler(ElicitRequestSchema, (request) => answer(request.params.message));
      await client.connect(new StreamableHTTPClientTransport(new URL(h.resourceUrl), { requestInit }));
      closers.push(() => client.close());
      return client as unknown as Client;
    }
    const client = new ClientV2(
      { name: 'e2e-v2', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: MODERN } }, capabilities: { elicitation: { form: {} } } },
    );
    client.setRequestHandler('elicitation/create', (request) => answer(request.params.message));
    await client.connect(new TransportV2(new URL(h.resourceUrl), { requestInit }));
    closers.push(() => client.close());
    return client as unknown as Client;
  }

  const productIds = async (client: Client) =>
    (toolJson(await client.callTool({ name: 'list_products', arguments: {} })) as { products: Array<{ id: number }> }).products.map(
      (product) => product.id,
    );

  describe.each(ERAS)('%s', (era) => {
    it('delete_product asks the user to confirm, naming the product, and deletes only when they accept', async () => {
      const writer = await clientOf(era, await h.token('demo-writer'), 'accept');
      const { id } = toolJson(await writer.callTool({ name: 'create_product', arguments: { name: `Vase ${era}`, price: 8 } }));

      const asked: string[] = [];
      const declining = await clientOf(era, await h.token('demo-admin'), 'decline', asked);
      const kept = await declining.callTool({ name: 'delete_product', arguments: { id } });
      expect(kept.isError).toBeFalsy();
      expect((kept.content as Array<{ text: string }>)[0].text).toBe(`Nothing deleted: "Vase ${era}" stays in the catalogue.`);
      expect(asked).toEqual([`Delete "Vase ${era}" (id ${id}) from the catalogue?`]);
      expect(await productIds(writer)).toContain(id);

      const accepting = await clientOf(era, await h.token('demo-admin'), 'accept');
      expect(toolJson(await accepting.callTool({ name: 'delete_product', arguments: { id } }))).toEqual({
        id,
        name: `Vase ${era}`,
        price: 8,
      });
      expect(await productIds(writer)).not.toContain(id);
    });

    it('import_products adds the products and reports progress, one report per product, to a client that asked', async () => {
      const writer = await clientOf(era, await h.token('demo-writer'), 'accept');
      const products = [1, 2, 3].map((n) => ({ name: `Import ${era} ${n}`, price: n }));
      const progress: Array<{ progress: number; total?: number; message?: string }> = [];
      const call = { name: 'import_products', arguments: { products } };
      const onprogress = (update: { progress: number; total?: number; message?: string }) => void progress.push(update);
      // The v2 client takes the request options second, the v1 client third (after a result schema).
      const result =
        era === 'modern'
          ? await (writer as unknown as ClientV2).callTool(call, { onprogress })
          : await writer.callTool(call, undefined, { onprogress });
      const imported = (result.structuredContent as { products: Array<{ id: number; name: string }> }).products;
      expect(imported.map((product) => product.name)).toEqual(products.map((product) => product.name));
      expect(progress).toEqual(products.map((product, index) => ({ progress: index + 1, total: 3, message: `Imported ${product.name}` })));
      expect(await productIds(writer)).toEqual(expect.arrayContaining(imported.map((product) => product.id)));
    });
  });

  it('import_products refuses a reader (User.Write) and an empty list', async () => {
    const writer = await clientOf('legacy', await h.token('demo-writer'), 'accept');
    const empty = await writer.callTool({ name: 'import_products', arguments: { products: [] } });
    expect(empty.isError).toBe(true);
    const reader = await clientOf('legacy', await h.token('demo-reader'), 'accept');
    await expect(reader.callTool({ name: 'import_products', arguments: { products: [{ name: 'x', price: 1 }] } })).rejects.toMatchObject({
      code: 403,
    });
  });

  it('import_products logs its summary to a 2025 client that set a level, and nothing to one that did not', async () => {
    const logged = await clientOf('legacy', await h.token('demo-writer'), 'accept');
    const messages: unknown[] = [];
    logged.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => void messages.push(notification.params));
    await logged.callTool({ name: 'import_products', arguments: { products: [{ name: 'Quiet', price: 1 }] } });
    expect(messages).toEqual([]);
    await logged.setLoggingLevel('info');
    await logged.callTool({ name: 'import_products', arguments: { products: [{ name: 'Loud', price: 1 }] } });
    expect(messages).toEqual([{ level: 'info', data: 'Imported 1 of 1 products' }]);
  });
});
