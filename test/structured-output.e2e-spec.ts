import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { connectMcpClient } from 'nestjs-mcp-auth/testing';
import { McpPrompt, McpProvider, McpTool, McpToolProvider } from 'nestjs-mcp-auth';
import { z } from 'zod';
import { refusesToStart, startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';

const TWENTY_TWENTY = 'https://json-schema.org/draft/2020-12/schema';

/** A tool whose method breaks its own promise: it declares a numeric price and returns a string. */
@McpToolProvider()
class BrokenPromiseTools {
  @McpTool({ name: 'broken_price', description: 'Declares a number, returns a string', output: { price: z.number() } })
  brokenPrice() {
    return { price: 'free' };
  }
}

/** `@McpTool({ output })`: outputSchema in tools/list, structuredContent in tools/call, checked, with real SDK clients. */
describe.each([
  { mode: 'session', stateless: false },
  { mode: 'stateless', stateless: true },
])('structured output ($mode mode)', ({ stateless }) => {
  let app: LibraryApp;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    app = await startLibraryApp({ stateless }, [BrokenPromiseTools]);
  });
  afterAll(async () => {
    await Promise.all(closers.map((close) => close()));
    await app?.close();
  });

  async function v1Client(): Promise<Client> {
    const client = await connectMcpClient(app.resourceUrl, await app.token('demo-writer'));
    closers.push(() => client.close());
    return client;
  }

  it('lists the output schema, and both schemas, in JSON Schema 2020-12', async () => {
    const { tools } = await (await v1Client()).listTools();
    const list = tools.find((tool) => tool.name === 'list_products')!;
    expect(list.outputSchema).toEqual({
      $schema: TWENTY_TWENTY,
      type: 'object',
      properties: {
        products: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: { type: 'integer', minimum: expect.any(Number), maximum: expect.any(Number) },
              name: { type: 'string' },
              price: { type: 'number' },
            },
            required: ['id', 'name', 'price'],
            additionalProperties: false,
          },
        },
      },
      required: ['products'],
      additionalProperties: false,
    });
    expect(list.inputSchema).toEqual({ $schema: TWENTY_TWENTY, type: 'object', properties: {} });
    const create = tools.find((tool) => tool.name === 'create_product')!;
    expect(create.inputSchema).toMatchObject({ $schema: TWENTY_TWENTY, required: ['name', 'price'] });
    expect(create.outputSchema).toMatchObject({ $schema: TWENTY_TWENTY, required: ['id', 'name', 'price'] });
    // A tool without `output` publishes no outputSchema (its clients expect no structuredContent).
    expect(tools.find((tool) => tool.name === 'whoami')!.outputSchema).toBeUndefined();
  });

  it('sends the result as structuredContent and as its JSON text (the 2025 SDK client validates it)', async () => {
    const client = await v1Client();
    await client.listTools();
    const created = await client.callTool({ name: 'create_product', arguments: { name: 'Structured tea', price: 4.5 } });
    expect(created.isError).toBeFalsy();
    expect(created.structuredContent).toEqual({ id: expect.any(Number), name: 'Structured tea', price: 4.5 });
    expect(created.content).toEqual([{ type: 'text', text: JSON.stringify(created.structuredContent) }]);
    const listed = await client.callTool({ name: 'list_products', arguments: {} });
    expect((listed.structuredContent as { products: Array<{ name: string }> }).products).toContainEqual(
      expect.objectContaining({ name: 'Structured tea' }),
    );
  });

  it('answers a result that does not match its output schema with a tool error, not a crash', async () => {
    const client = await v1Client();
    await client.listTools();
    const result = await client.callTool({ name: 'broken_price', arguments: {} });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    expect(result.content).toEqual([
      {
        type: 'text',
        text: 'Tool broken_price returned a result that does not match its output schema: price: Invalid input: expected number, received string',
      },
    ]);
    // The server is unharmed: the next call works.
    expect((await client.callTool({ name: 'list_products', arguments: {} })).isError).toBeFalsy();
  });

  it.each([
    { era: 'legacy', expected: 'legacy', versionNegotiation: { mode: 'legacy' as const } },
    { era: 'modern (pinned to 2026-07-28)', expected: 'modern', versionNegotiation: { mode: { pin: '2026-07-28' } } },
  ])(
    'is accepted by the SDK v2 client, $era, which compiles the 2020-12 schemas and checks structuredContent',
    async ({ expected, versionNegotiation }) => {
      const token = await app.token('demo-writer');
      const client = new ClientV2({ name: 'e2e-v2', version: '1.0.0' }, { versionNegotiation });
      await client.connect(new TransportV2(new URL(app.resourceUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      closers.push(() => client.close());
      expect(client.getProtocolEra()).toBe(expected);
      const { tools } = await client.listTools();
      expect(tools.find((tool) => tool.name === 'list_products')?.outputSchema).toMatchObject({ $schema: TWENTY_TWENTY });
      const listed = await client.callTool({ name: 'list_products', arguments: {} });
      expect(listed.isError).toBeFalsy();
      expect((listed.structuredContent as { products: unknown[] }).products.length).toBeGreaterThanOrEqual(1);
      const broken = await client.callTool({ name: 'broken_price', arguments: {} });
      expect(broken.isError).toBe(true);
    },
  );
});

describe('structured output: declaration errors', () => {
  /** `output` given as a JSON Schema instead of zod: a mistake the types cannot always catch (an `as`, plain JavaScript). */
  @McpToolProvider()
  class JsonSchemaOutput {
    @McpTool({ name: 'json_schema_output', output: { type: 'object', properties: {} } as never })
    run() {
      return {};
    }
  }

  /** The same mistake in a prompt's `args`. */
  @McpProvider()
  class JsonSchemaPrompt {
    @McpPrompt({ name: 'json_schema_prompt', args: { type: 'object', properties: {} } as never })
    run() {
      return 'never';
    }
  }

  const NOT_A_SCHEMA =
    'must be a zod shape ({ id: z.number() }), a z.object(...) or a Standard Schema with JSON Schema (Valibot, ArkType), not a JSON Schema or other value';

  it('refuses to start with an output that is not a schema it can use (a JSON Schema object), naming the method, the tool and the option', () =>
    refusesToStart(
      JsonSchemaOutput,
      `McpAuthModule: option "@McpTool" JsonSchemaOutput.run (tool "json_schema_output"): output ${NOT_A_SCHEMA}`,
    ));

  it('refuses to start with prompt args that are not a schema it can use, naming the method, the prompt and args', () =>
    refusesToStart(
      JsonSchemaPrompt,
      `McpAuthModule: option "@McpPrompt" JsonSchemaPrompt.run (prompt "json_schema_prompt"): args ${NOT_A_SCHEMA}`,
    ));
});
