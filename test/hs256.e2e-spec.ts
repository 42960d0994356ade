import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { JWTPayload } from 'jose';
import { McpAuthConfigurationError } from 'nestjs-mcp-auth';
import { connectMcpClient } from 'nestjs-mcp-auth/testing';
import { bootstrap } from '../src/main.js';
import { freePort, parseChallenge, post, rpc, startExample, toolJson, toolNames } from './support/harness.js';
import type { ExampleServer } from './support/harness.js';

const ISSUER = 'https://auth.internal.example';
const SECRET = randomBytes(48).toString('base64');

/** The second rung: shared-secret (HS256) JWTs, through the example app and the SDK client. */
describe('shared-secret JWTs (MCP_AUTH_MODE=hs256)', () => {
  let example: ExampleServer;
  const clients: Client[] = [];

  beforeAll(async () => {
    example = await startExample(() => ({
      MCP_EXAMPLE_REQUIRE_KNOWN_USERS: 'true',
      MCP_AUTH_MODE: 'hs256',
      MCP_AUTH_HS256_SECRET: SECRET,
      MCP_AUTH_ISSUER: ISSUER,
    }));
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await example?.close();
  });

  function claims(overrides: JWTPayload = {}): JWTPayload {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: ISSUER,
      aud: example.resourceUrl,
      sub: 'demo-writer',
      client_id: 'internal-service',
      iat: now,
      exp: now + 300,
      scope: 'User.Read User.Write',
      ...overrides,
    };
  }

  function sign(payload: JWTPayload, { secret = SECRET, alg = 'HS256' }: { secret?: string; alg?: string } = {}): Promise<string> {
    return new SignJWT(payload).setProtectedHeader({ alg, typ: 'at+jwt' }).sign(Buffer.from(secret, 'utf8'));
  }

  async function rejection(token: string): Promise<{ status: number; params: Record<string, string> }> {
    const response = await post(example.resourceUrl, rpc.initialize(), { token });
    await response.text();
    return { status: response.status, params: parseChallenge(response.headers.get('www-authenticate')).params };
  }

  it('serves a token signed with the shared secret to the SDK client', async () => {
    const client = await connectMcpClient(example.resourceUrl, await sign(claims()));
    clients.push(client);
    expect(await toolNames(client)).toEqual(['create_product', 'import_products', 'list_products', 'whoami']);
    expect(toolJson(await client.callTool({ name: 'whoami', arguments: {} }))).toEqual({
      sub: 'demo-writer',
      clientId: 'internal-service',
      scopes: ['User.Read', 'User.Write'],
    });
    await expect(client.callTool({ name: 'delete_product', arguments: { id: 1 } })).rejects.toMatchObject({ code: 403 });
  });

  it('refuses a token re-signed with a wrong secret', async () => {
    const result = await rejection(await sign(claims(), { secret: randomBytes(48).toString('base64') }));
    expect(result).toEqual({
      status: 401,
      params: expect.objectContaining({ error: 'invalid_token', error_description: 'The access token signature is invalid' }),
    });
  });

  it.each(['HS384', 'HS512'])('refuses a token whose alg was switched to %s, even with the right secret', async (alg) => {
    const result = await rejection(await sign(claims(), { alg }));
    expect(result.status).toBe(401);
    expect(result.params.error_description).toBe('The access token is signed with an algorithm this server does not accept');
  });

  it('refuses an RS256 token (no asymmetric keys for a shared-secret issuer)', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    const result = await rejection(token);
    expect(result.status).toBe(401);
    expect(result.params.error_description).toBe('The access token is signed with an algorithm this server does not accept');
  });

  it('refuses alg "none"', async () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const result = await rejection(`${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims())}.`);
    expect(result.status).toBe(401);
    expect(result.params.error).toBe('invalid_token');
  });

  it.each([
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 600 }, 'The access token expired'],
    ['another audience', { aud: 'https://someone-else.example/mcp' }, 'The access token was not issued for this resource'],
    ['another issuer', { iss: 'https://elsewhere.example' }, 'The access token was issued by an issuer this server does not trust'],
    ['no expiry', { exp: undefined }, 'The access token has no expiry (exp)'],
  ])('applies the same claim checks as the JWKS path: %s', async (_case, overrides, description) => {
    const result = await rejection(await sign(claims(overrides)));
    expect(result).toEqual({ status: 401, params: expect.objectContaining({ error: 'invalid_token', error_description: description }) });
  });

  it('refuses a valid token for a subject the users table does not know with 403', async () => {
    const response = await post(example.resourceUrl, rpc.initialize(), { token: await sign(claims({ sub: 'intruder' })) });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'access_denied' });
  });

  it('refuses to start with a secret shorter than 32 bytes', async () => {
    const port = await freePort();
    await expect(
      bootstrap({
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'error',
        MCP_AUTH_MODE: 'hs256',
        MCP_AUTH_HS256_SECRET: 'too-short-a-secret',
        MCP_AUTH_ISSUER: ISSUER,
      }),
    ).rejects.toThrow(McpAuthConfigurationError);
    await expect(
      bootstrap({
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'error',
        MCP_AUTH_MODE: 'hs256',
        MCP_AUTH_HS256_SECRET: 'x'.repeat(31),
        MCP_AUTH_ISSUER: ISSUER,
      }),
    ).rejects.toThrow(/sharedSecret.*at least 32 bytes/);
  });

  it('refuses to start when a shared secret is combined with asymmetric keys for the same issuer', async () => {
    const port = await freePort();
    await expect(
      bootstrap({
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'error',
        MCP_AUTH_MODE: 'hs256',
        MCP_AUTH_HS256_SECRET: SECRET,
        MCP_AUTH_ISSUER: ISSUER,
        MCP_AUTH_JWKS_URI: 'https://auth.internal.example/jwks',
      }),
    ).rejects.toThrow(/sharedSecret.*cannot be combined with "jwksUri"/);
  });
});
