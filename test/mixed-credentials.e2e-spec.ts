import 'reflect-metadata';
import { Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import type { JWTPayload } from 'jose';
import { McpAuthModule, McpTool, McpToolProvider, generateApiKey, hashApiKey, oidc } from 'nestjs-mcp-auth';
import type { McpToolContext } from 'nestjs-mcp-auth';
import { DEMO_CLIENTS, DEV_RESOURCE_SERVER } from '../src/dev-identity-provider/demo-clients.js';
import { startDevIdentityProvider } from '../src/dev-identity-provider/dev-identity-provider.js';
import type { DevIdentityProvider } from '../src/dev-identity-provider/dev-identity-provider.js';
import { freePort, parseChallenge, post, rpc, toolJson } from './support/harness.js';

@McpToolProvider()
class WhoTools {
  @McpTool({ name: 'who' })
  who(_args: unknown, { principal }: McpToolContext) {
    return { sub: principal.sub, issuer: principal.issuer };
  }
}

const INTERNAL_ISSUER = 'https://internal-auth.example';
const SECRET = randomBytes(48).toString('base64');

/**
 * Every rung at once in one application: API keys, a JWKS issuer (RS256 JWTs), a
 * shared-secret issuer (HS256) and an introspected issuer (opaque tokens). Each credential
 * reaches its own check, and an algorithm is accepted only from the issuer it belongs to.
 */
describe('several kinds of credentials side by side', () => {
  let jwtIdp: DevIdentityProvider;
  let opaqueIdp: DevIdentityProvider;
  let app: INestApplication;
  let endpoint: string;
  const apiKey = generateApiKey();

  beforeAll(async () => {
    const port = await freePort();
    const resourceUrl = `http://127.0.0.1:${port}/mcp`;
    jwtIdp = await startDevIdentityProvider({ resourceUrl, clients: DEMO_CLIENTS });
    opaqueIdp = await startDevIdentityProvider({
      resourceUrl,
      clients: DEMO_CLIENTS,
      accessTokenFormat: 'opaque',
      resourceServers: [DEV_RESOURCE_SERVER],
    });

    @Module({
      imports: [
        McpAuthModule.forRoot({
          resourceUrl,
          stateless: true,
          apiKeys: { keys: [{ hash: hashApiKey(apiKey), sub: 'batch-job' }] },
          issuers: [
            oidc({ issuer: jwtIdp.issuer }),
            { issuer: INTERNAL_ISSUER, sharedSecret: SECRET },
            {
              issuer: opaqueIdp.issuer,
              introspection: { clientId: DEV_RESOURCE_SERVER.clientId, clientSecret: DEV_RESOURCE_SERVER.clientSecret },
            },
          ],
        }),
      ],
      providers: [WhoTools],
    })
    class MixedAppModule {}

    app = await NestFactory.create(MixedAppModule, { bodyParser: false, logger: false });
    await app.listen(port, '127.0.0.1');
    endpoint = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/mcp`;
  });
  afterAll(async () => {
    await app?.close();
    await jwtIdp?.close();
    await opaqueIdp?.close();
  });

  const hs256 = (claims: JWTPayload, alg = 'HS256') => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: INTERNAL_ISSUER, aud: endpoint, sub: 'internal-service', iat: now, exp: now + 300, ...claims })
      .setProtectedHeader({ alg })
      .sign(Buffer.from(SECRET, 'utf8'));
  };

  async function who(token: string): Promise<unknown> {
    const response = await post(endpoint, rpc.callTool('who'), { token });
    expect(response.status).toBe(200);
    return toolJson(((await response.json()) as { result: object }).result);
  }

  async function refusal(token: string): Promise<string> {
    const response = await post(endpoint, rpc.callTool('who'), { token });
    expect(response.status).toBe(401);
    return parseChallenge(response.headers.get('www-authenticate')).params.error_description;
  }

  it('accepts each kind of credential as its own principal', async () => {
    expect(await who(apiKey)).toEqual({ sub: 'batch-job', issuer: 'urn:nestjs-mcp-auth:api-key' });
    expect(await who(await jwtIdp.token('demo-reader'))).toEqual({ sub: 'demo-reader', issuer: jwtIdp.issuer });
    expect(await who(await hs256({}))).toEqual({ sub: 'internal-service', issuer: INTERNAL_ISSUER });
    expect(await who(await opaqueIdp.token('demo-writer'))).toEqual({ sub: 'demo-writer', issuer: opaqueIdp.issuer });
  });

  it('lists every issuer as an authorization server', async () => {
    const metadata = (await (await fetch(endpoint.replace('/mcp', '/.well-known/oauth-protected-resource/mcp'))).json()) as {
      authorization_servers: string[];
    };
    expect(metadata.authorization_servers).toEqual([jwtIdp.issuer, INTERNAL_ISSUER, opaqueIdp.issuer]);
  });

  it("refuses HS256 from the JWKS issuer, even signed with the other issuer's secret", async () => {
    expect(await refusal(await hs256({ iss: jwtIdp.issuer }))).toBe(
      'The access token is signed with an algorithm this server does not accept',
    );
  });

  it('refuses any other algorithm from the shared-secret issuer', async () => {
    expect(await refusal(await hs256({}, 'HS512'))).toBe('The access token is signed with an algorithm this server does not accept');
  });

  it('refuses an opaque value that is neither a known API key nor a token an issuer knows', async () => {
    expect(await refusal(generateApiKey())).toMatch(/not active/);
  });
});
