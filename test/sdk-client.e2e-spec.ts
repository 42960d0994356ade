import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectMcpClient } from 'nestjs-mcp-auth/testing';
import { startHarness } from './support/harness.js';
import type { Harness } from './support/harness.js';

/**
 * The SDK's client-credentials provider always requests its configured scope. A client
 * that steps up (MCP 2025-11-25, SEP-2350) adds the scopes a 403 challenge names to
 * what it requests: this one watches the responses and does exactly that.
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

/** The real MCP SDK client against the example server, in both modes. */
describe.each([
  { mode: 'session', stateless: 'false' },
  { mode: 'stateless', stateless: 'true' },
])('MCP SDK client ($mode mode)', ({ mode, stateless }) => {
  let h: Harness;
  const clients: Client[] = [];

  beforeAll(async () => {
    h = await startHarness({ MCP_STATELESS: stateless });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await h?.close();
  });

  /** A v1 client; with `confirming`, one that shows the user forms and has them accept (delete_product asks first). */
  async function connect(transport: StreamableHTTPClientTransport, confirming = false): Promise<Client> {
    const client = new Client({ name: 'e2e', version: '1.0.0' }, confirming ? { capabilities: { elicitation: { form: {} } } } : {});
    if (confirming) client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { confirm: true } }));
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  /** A client sending a fixed bearer token, from the testing kit. */
  async function withToken(token: string): Promise<Client> {
    const client = await connectMcpClient(h.resourceUrl, token);
    clients.push(client);
    return client;
  }

  it('lists and calls tools with a reader token', async () => {
    const client = await withToken(await h.token('demo-reader'));
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['list_products', 'whoami']);
    const whoami = await client.callTool({ name: 'whoami', arguments: {} });
    expect(JSON.parse((whoami.content as Array<{ text: string }>)[0].text)).toEqual({
      sub: 'demo-reader',
      clientId: 'demo-reader',
      scopes: ['User.Read'],
    });
    const products = await client.callTool({ name: 'list_products', arguments: {} });
    expect(products.isError).toBeFalsy();
    expect(JSON.parse((products.content as Array<{ text: string }>)[0].text).products.length).toBeGreaterThanOrEqual(1);
  });

  it('reports a forbidden call to a client without an auth provider as HTTP 403', async () => {
    const client = await withToken(await h.token('demo-reader'));
    await expect(client.callTool({ name: 'delete_product', arguments: { id: 1 } })).rejects.toMatchObject({ code: 403 });
  });

  it('creates a product as a writer and reports bad arguments as a tool error', async () => {
    const client = await withToken(await h.token('demo-writer'));
    const created = await client.callTool({ name: 'create_product', arguments: { name: 'Chair', price: 80 } });
    expect(JSON.parse((created.content as Array<{ text: string }>)[0].text)).toMatchObject({ name: 'Chair', price: 80 });
    const invalid = await client.callTool({ name: 'create_product', arguments: { name: 'Chair', price: 'cheap' } });
    expect(invalid.isError).toBe(true);
    expect((invalid.content as Array<{ text: string }>)[0].text).toMatch(/price/);
  });

  it('discovers everything from a 401: metadata, issuer, token, then calls a tool', async () => {
    // The SDK's client-credentials provider requests the scope it was configured with.
    const authProvider = new ClientCredentialsProvider({
      clientId: 'demo-writer',
      clientSecret: 'demo-writer-secret',
      expectedIssuer: h.idp.issuer,
      scope: 'User.Read User.Write',
    });
    const seen: string[] = [];
    const fetchSpy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      seen.push(`${init?.method ?? 'GET'} ${new URL(String(input instanceof Request ? input.url : input)).pathname} ${response.status}`);
      return response;
    };
    const client = await connect(new StreamableHTTPClientTransport(new URL(h.resourceUrl), { authProvider, fetch: fetchSpy }));
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['create_product', 'import_products', 'list_products', 'whoami']);
    const whoami = await client.callTool({ name: 'whoami', arguments: {} });
    const identity = JSON.parse((whoami.content as Array<{ text: string }>)[0].text);
    expect(identity).toEqual({ sub: 'demo-writer', clientId: 'demo-writer', scopes: ['User.Read', 'User.Write'] });
    // The first attempt was refused, then the client read the metadata and the issuer's configuration.
    expect(seen[0]).toBe('POST /mcp 401');
    expect(seen).toContain('GET /.well-known/oauth-protected-resource/mcp 200');
    expect(seen.some((line) => /^POST \/token 200$/.test(line))).toBe(true);
  });

  it('steps up on a 403: the client asks for the challenged scope and the call goes through', async () => {
    const authProvider = new StepUpClientCredentialsProvider({
      clientId: 'demo-admin',
      clientSecret: 'demo-admin-secret',
      expectedIssuer: h.idp.issuer,
      scope: 'User.Read',
    });
    const client = await connect(
      new StreamableHTTPClientTransport(new URL(h.resourceUrl), { authProvider, fetch: authProvider.observingFetch }),
      true,
    );
    const before = await client.listTools();
    expect(before.tools.map((tool) => tool.name).sort()).toEqual(['list_products', 'whoami']);

    const deleted = await client.callTool({ name: 'delete_product', arguments: { id: 2 } });
    const text = (deleted.content as Array<{ text: string }>)[0].text;
    if (mode === 'session') {
      // Past the step-up the tool ran, asked the user on the session, and deleted once they accepted.
      expect(deleted.isError).toBeFalsy();
      expect(JSON.parse(text)).toMatchObject({ id: 2 });
    } else {
      // Past the step-up the tool ran; without a session it cannot ask, and deletes nothing.
      expect(deleted.isError).toBe(true);
      expect(text).toMatch(/^Input cannot be requested here/);
    }
    expect(authProvider.challenges).toEqual(['Admin.Write']);
    expect(authProvider.tokens()?.scope?.split(' ').sort()).toEqual(['Admin.Write', 'User.Read']);
  });
});
