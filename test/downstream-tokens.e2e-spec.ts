import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { connectMcpClient, createTestSigningKey } from 'nestjs-mcp-auth/testing';
import type { TestSigningKey } from 'nestjs-mcp-auth/testing';
import { bootstrap } from '../src/main.js';
import { DEMO_CLIENTS } from '../src/dev-identity-provider/demo-clients.js';
import type { InventoryApi } from '../src/inventory/inventory-api.js';
import { freePort, post, rpc, toolJson, toolNames } from './support/harness.js';
import { parseExposition, valueOf } from './support/prometheus.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The example as a newcomer runs it (embedded development provider, no MCP_AUTH_ISSUER): the
 * `stock_level` tool calls the inventory API, a second resource server on loopback, with a
 * token the provider issued by RFC 8693 token exchange for the same user. The provider signs
 * with a key the test holds too (MCP_EXAMPLE_IDP_KEY_FILE), so it can forge what it would never issue.
 */
describe('Downstream tokens: token exchange at the embedded provider (example, stock_level)', () => {
  let app: { url: string; issuer?: string; inventory?: InventoryApi; close(): Promise<void> };
  let resourceUrl: string;
  let key: TestSigningKey;
  let directory: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    key = await createTestSigningKey();
    directory = mkdtempSync(join(tmpdir(), 'downstream-'));
    writeFileSync(join(directory, 'key.json'), JSON.stringify(key.privateJwk));
    const port = await freePort();
    resourceUrl = `http://127.0.0.1:${port}/mcp`;
    app = await bootstrap(
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'error',
        MCP_METRICS: 'true',
        MCP_EXAMPLE_IDP_KEY_FILE: join(directory, 'key.json'),
        // Kept out of the project's .data/, as the other suites keep it.
        MCP_EXAMPLE_IDP_DB: ':memory:',
      },
      { banner: false },
    );
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await app?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  /** A demo role's token from the embedded provider (client credentials, for the MCP resource). */
  async function demoToken(clientId: 'demo-reader' | 'demo-writer' | 'demo-admin', scope?: string): Promise<string> {
    const client = DEMO_CLIENTS.find((candidate) => candidate.clientId === clientId)!;
    const response = await fetch(`${app.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: resourceUrl, scope: scope ?? client.scopes.join(' ') }),
    });
    return ((await response.json()) as { access_token: string }).access_token;
  }

  async function connect(token: string): Promise<Client> {
    const client = await connectMcpClient(resourceUrl, token);
    clients.push(client);
    return client;
  }

  async function downstreamCounts(): Promise<{ exchanged: number; cacheHits: number; errors: (code: string) => number }> {
    const samples = parseExposition(await (await fetch(`${app.url}/metrics`)).text());
    const name = 'mcp_auth_downstream_token_requests_total';
    return {
      exchanged: valueOf(samples, name, { result: 'exchanged' }),
      cacheHits: valueOf(samples, name, { result: 'cache_hit' }),
      errors: (code) => valueOf(samples, name, { result: code }),
    };
  }

  it("reads the stock as the user: the inventory API sees the user as sub and itself as aud, never the caller's token", async () => {
    const token = await demoToken('demo-reader');
    const reader = await connect(token);
    expect(await toolNames(reader)).toContain('stock_level');
    const result = await reader.callTool({ name: 'stock_level', arguments: { sku: 'LAMP-1' } });
    expect(result.isError).toBeFalsy();
    expect(toolJson(result)).toEqual({ sku: 'LAMP-1', level: 12 });

    const call = app.inventory!.calls.at(-1)!;
    expect(call).toMatchObject({ sub: 'demo-reader', aud: app.inventory!.url, scopes: ['stock:read'], actor: 'mcp-token-exchange' });
    expect(call.aud).not.toContain(resourceUrl);
    // No passthrough: what reached the inventory API is another token than the one the client sent.
    expect(call.tokenSha256).not.toBe(sha256(token));
  });

  it('exchanges once per user and API while the token lasts: a second call is a cache hit, another user gets its own', async () => {
    const before = await downstreamCounts();
    const reader = await connect(await demoToken('demo-reader'));
    await reader.callTool({ name: 'stock_level', arguments: { sku: 'DESK-2' } });
    const writer = await connect(await demoToken('demo-writer'));
    await writer.callTool({ name: 'stock_level', arguments: { sku: 'DESK-2' } });
    await writer.callTool({ name: 'stock_level', arguments: { sku: 'CHAIR-3' } });
    const after = await downstreamCounts();
    // The reader's token from the first test is still cached (a new client token, the same user and API); the writer's is exchanged once.
    expect(after.exchanged - before.exchanged).toBe(1);
    expect(after.cacheHits - before.cacheHits).toBe(2);
    const [readerCall, writerFirst, writerSecond] = app.inventory!.calls.slice(-3);
    expect(readerCall.sub).toBe('demo-reader');
    expect(writerFirst.sub).toBe('demo-writer');
    expect(writerSecond.tokenSha256).toBe(writerFirst.tokenSha256);
    expect(readerCall.tokenSha256).not.toBe(writerFirst.tokenSha256);
  });

  it("refuses a caller whose token lacks the tool's scope before any exchange (403 step-up)", async () => {
    const before = await downstreamCounts();
    const calls = app.inventory!.calls.length;
    const token = await forge({ scope: 'User.Write' });
    const response = await post(resourceUrl, rpc.callTool('stock_level', { sku: 'LAMP-1' }), {
      token,
      headers: { 'mcp-session-id': await openSession(token) },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('scope="User.Read"');
    expect((await downstreamCounts()).exchanged).toBe(before.exchanged);
    expect(app.inventory!.calls.length).toBe(calls);
  });

  it('refuses to exchange a caller token that has expired (accepted within the clock tolerance), saying what to do', async () => {
    const before = await downstreamCounts();
    // The server accepts `exp` up to 5 s in the past (clockToleranceSeconds); the exchange takes no leeway.
    const expired = await forge({ sub: 'demo-admin', scope: 'User.Read', exp: Math.floor(Date.now() / 1000) - 2 });
    const admin = await connect(expired);
    const result = await admin.callTool({ name: 'stock_level', arguments: { sku: 'LAMP-1' } });
    expect(result.isError).toBe(true);
    expect((result.content as Array<{ text: string }>)[0].text).toMatch(
      /^Your access token has expired, so it cannot be exchanged .* call the tool again\.$/,
    );
    const after = await downstreamCounts();
    expect(after.exchanged).toBe(before.exchanged);
    expect(after.errors('subject_token_expired') - before.errors('subject_token_expired')).toBe(1);
  });

  it("turns the provider's refusal into a tool error that says what to do, counted by its code", async () => {
    const before = await downstreamCounts();
    // The server accepts `typ: JWT` (requireAtJwt is off); the provider's exchange only takes RFC 9068 access tokens.
    const token = await forge({ sub: 'demo-admin', scope: 'User.Read' }, { typ: 'JWT' });
    const admin = await connect(token);
    const result = await admin.callTool({ name: 'stock_level', arguments: { sku: 'LAMP-1' } });
    expect(result.isError).toBe(true);
    expect((result.content as Array<{ text: string }>)[0].text).toBe(
      `The identity provider refused to exchange your access token for one for ${app.inventory!.url} ` +
        '(invalid_grant: grant request is invalid). Sign in again and call the tool again; ' +
        'if it persists, token exchange is not set up for this server at the identity provider.',
    );
    const after = await downstreamCounts();
    expect(after.exchanged).toBe(before.exchanged);
    expect(after.errors('invalid_grant') - before.errors('invalid_grant')).toBe(1);
  });

  it("answers an unknown SKU with the inventory API's 404 as a tool error, after an exchange", async () => {
    const admin = await connect(await demoToken('demo-admin'));
    const result = await admin.callTool({ name: 'stock_level', arguments: { sku: 'NOPE-0' } });
    expect(result.isError).toBe(true);
    expect((result.content as Array<{ text: string }>)[0].text).toBe('No product with SKU NOPE-0 in the inventory');
    expect(app.inventory!.calls.at(-1)!.sub).toBe('demo-admin');
  });

  /** A token the embedded provider's key signed, for the MCP resource, with `claims` on top. */
  function forge(claims: Record<string, unknown>, header: Record<string, unknown> = { typ: 'at+jwt' }): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return key.sign(
      {
        iss: app.issuer,
        aud: resourceUrl,
        sub: 'demo-reader',
        client_id: 'forged-client',
        iat: now,
        exp: now + 300,
        jti: `j-${now}-${Math.random()}`,
        ...claims,
      },
      header,
    );
  }

  async function openSession(token: string): Promise<string> {
    const response = await post(resourceUrl, rpc.initialize(), { token });
    await response.text();
    return response.headers.get('mcp-session-id')!;
  }
});
