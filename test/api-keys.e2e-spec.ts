import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiKey, hashApiKey } from 'nestjs-mcp-auth';
import { connectMcpClient } from 'nestjs-mcp-auth/testing';
import { parseChallenge, post, rpc, startExample, toolJson, toolNames } from './support/harness.js';
import type { ExampleServer } from './support/harness.js';

/** The first rung: API keys from a hashed-key file, no identity provider, through the example app and the SDK client. */
describe('API keys (MCP_AUTH_MODE=api-keys)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-api-keys-'));
  const file = join(dir, 'api-keys.json');
  const readerKey = generateApiKey();
  const writerKey = generateApiKey();
  const strangerKey = generateApiKey();
  const entries = {
    reader: { hash: hashApiKey(readerKey), sub: 'demo-reader', clientId: 'reporting-job', scopes: ['User.Read'] },
    writer: { hash: hashApiKey(writerKey), sub: 'demo-writer', scopes: ['User.Read', 'User.Write'] },
    stranger: { hash: hashApiKey(strangerKey), sub: 'not-in-the-users-table', scopes: ['User.Read'] },
  };
  let example: ExampleServer;
  const clients: Client[] = [];

  beforeAll(async () => {
    writeFileSync(file, JSON.stringify([entries.reader, entries.writer, entries.stranger]));
    example = await startExample(() => ({
      MCP_EXAMPLE_REQUIRE_KNOWN_USERS: 'true',
      MCP_AUTH_MODE: 'api-keys',
      MCP_API_KEYS_FILE: file,
      MCP_STATELESS: 'true',
    }));
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await example?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function connect(key: string): Promise<Client> {
    const client = await connectMcpClient(example.resourceUrl, key);
    clients.push(client);
    return client;
  }

  it('keeps only hashes in the key file', () => {
    const text = JSON.stringify([entries.reader, entries.writer, entries.stranger]);
    for (const key of [readerKey, writerKey, strangerKey]) expect(text).not.toContain(key);
    expect(entries.reader.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("lists and calls what the key's scopes allow, as the key's principal", async () => {
    const client = await connect(readerKey);
    expect(await toolNames(client)).toEqual(['list_products', 'whoami']);
    expect(toolJson(await client.callTool({ name: 'whoami', arguments: {} }))).toEqual({
      sub: 'demo-reader',
      clientId: 'reporting-job',
      scopes: ['User.Read'],
    });
  });

  it("refuses a tool outside the key's scopes with the same 403 step-up challenge as for tokens", async () => {
    const client = await connect(readerKey);
    await expect(client.callTool({ name: 'create_product', arguments: { name: 'Desk', price: 100 } })).rejects.toMatchObject({ code: 403 });
    const response = await post(example.resourceUrl, rpc.callTool('create_product', { name: 'Desk', price: 100 }), { token: readerKey });
    expect(response.status).toBe(403);
    const challenge = parseChallenge(response.headers.get('www-authenticate'));
    expect(challenge.params).toMatchObject({ error: 'insufficient_scope', scope: 'User.Write', resource_metadata: example.metadataUrl });
  });

  it('answers no credentials with 401 and a metadata document without an authorization server', async () => {
    const response = await post(example.resourceUrl, rpc.initialize());
    expect(response.status).toBe(401);
    const challenge = parseChallenge(response.headers.get('www-authenticate'));
    expect(challenge.params.error).toBeUndefined();
    expect(challenge.params.resource_metadata).toBe(example.metadataUrl);
    const metadata = (await (await fetch(example.metadataUrl)).json()) as Record<string, unknown>;
    expect(metadata.resource).toBe(example.resourceUrl);
    expect(metadata).not.toHaveProperty('authorization_servers');
  });

  it('answers an unknown key with 401 invalid_token, never echoing it', async () => {
    const wrong = generateApiKey();
    const response = await post(example.resourceUrl, rpc.initialize(), { token: wrong });
    expect(response.status).toBe(401);
    const header = response.headers.get('www-authenticate')!;
    expect(parseChallenge(header).params).toMatchObject({
      error: 'invalid_token',
      error_description: 'The API key is not known to this server',
    });
    expect(header + (await response.text())).not.toContain(wrong);
  });

  it('answers a JWT sent to a server that takes only API keys like any wrong key', async () => {
    const jwtLike = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('{"sub":"demo-admin"}').toString('base64url')}.c2lnbmF0dXJl`;
    const response = await post(example.resourceUrl, rpc.initialize(), { token: jwtLike });
    expect(response.status).toBe(401);
    expect(parseChallenge(response.headers.get('www-authenticate')).params.error_description).toBe(
      'The API key is not known to this server',
    );
  });

  it('refuses a valid key whose subject is not a known user with 403', async () => {
    const response = await post(example.resourceUrl, rpc.initialize(), { token: strangerKey });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'access_denied' });
  });

  it('revokes a key removed from the file at once, and keeps the others working', async () => {
    const writer = await connect(writerKey);
    expect((await writer.callTool({ name: 'create_product', arguments: { name: 'Lamp', price: 30 } })).isError).toBeFalsy();

    writeFileSync(file, JSON.stringify([entries.reader, entries.stranger]));
    const revoked = await post(example.resourceUrl, rpc.listTools(), { token: writerKey });
    expect(revoked.status).toBe(401);
    expect(parseChallenge(revoked.headers.get('www-authenticate')).params.error).toBe('invalid_token');
    expect((await post(example.resourceUrl, rpc.listTools(), { token: readerKey })).status).toBe(200);

    writeFileSync(file, JSON.stringify([entries.reader, entries.writer, entries.stranger]));
    expect((await post(example.resourceUrl, rpc.listTools(), { token: writerKey })).status).toBe(200);
  });

  it('accepts no key at all while the file is broken (fail closed)', async () => {
    writeFileSync(file, '[{"hash": "sha256:not-hex"');
    expect((await post(example.resourceUrl, rpc.listTools(), { token: readerKey })).status).toBe(401);
    writeFileSync(file, JSON.stringify([entries.reader, entries.writer, entries.stranger]));
    expect((await post(example.resourceUrl, rpc.listTools(), { token: readerKey })).status).toBe(200);
  });
});
