import 'reflect-metadata';
import { Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { McpAuthModule, McpTool, McpToolProvider } from 'nestjs-mcp-auth';
import type { McpPrincipal, McpToolContext } from 'nestjs-mcp-auth';
import { freePort, parseChallenge, post, rpc, toolJson } from './support/harness.js';
import { answerOf } from './support/sse.js';
import { newSigningKey, signToken, startJwksServer } from './support/jwks-server.js';
import type { JwksServer, TestSigningKey } from './support/jwks-server.js';

const ISSUER = 'https://idp.test.invalid/realms/confirmation';

@McpToolProvider()
class WhoTools {
  @McpTool({ name: 'who', description: 'The caller' })
  who(_args: unknown, { principal }: McpToolContext) {
    return { sub: principal.sub, bound: principal.confirmation !== undefined };
  }
}

/**
 * A token's `cnf` claim (RFC 9449 §6.1) is read with its other claims: one whose `jkt` is not
 * a key thumbprint is refused as an invalid token before `validateUser` is asked about its user.
 */
describe.each(['off', 'allowed'] as const)('a token whose cnf.jkt is not a thumbprint (DPoP %s)', (mode) => {
  let jwks: JwksServer;
  let key: TestSigningKey;
  let app: INestApplication;
  let endpoint: string;
  const asked: string[] = [];

  beforeAll(async () => {
    key = newSigningKey();
    jwks = await startJwksServer([key]);
    const port = await freePort();
    endpoint = `http://127.0.0.1:${port}/mcp`;
    @Module({
      imports: [
        McpAuthModule.forRoot({
          issuer: ISSUER,
          jwksUri: jwks.url,
          resourceUrl: endpoint,
          stateless: true,
          dpop: { mode },
          validateUser: (principal: McpPrincipal) => {
            asked.push(principal.sub);
            return true;
          },
        }),
      ],
      providers: [WhoTools],
    })
    class ConfirmationAppModule {}
    app = await NestFactory.create(ConfirmationAppModule, { bodyParser: false, logger: false });
    await app.listen(port, '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await jwks?.close();
  });

  beforeEach(() => {
    asked.length = 0;
  });

  const token = (sub: string, extra: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return signToken(key, { iss: ISSUER, aud: endpoint, sub, scope: 'User.Read', iat: now, exp: now + 300, ...extra });
  };

  it.each([
    ['too short', { jkt: 'abc' }],
    ['not a string', { jkt: 42 }],
    ['not base64url', { jkt: `${'a'.repeat(42)}=` }],
  ])('%s: 401 invalid_token naming the claim, and validateUser is not asked', async (_case, cnf) => {
    const response = await post(endpoint, rpc.callTool('who'), { token: await token('mallory', { cnf }) });
    expect(response.status).toBe(401);
    const challenge = parseChallenge(response.headers.get('www-authenticate'));
    expect(challenge.scheme).toBe('Bearer');
    expect(challenge.params.error).toBe('invalid_token');
    expect(challenge.params.error_description).toContain('cnf.jkt');
    expect(asked).toEqual([]);
  });

  it('a cnf without jkt is not a DPoP binding: the token is served as a bearer token, after validateUser', async () => {
    const response = await post(endpoint, rpc.callTool('who'), { token: await token('alice', { cnf: { 'x5t#S256': 'abc' } }) });
    expect(response.status).toBe(200);
    expect(toolJson((await answerOf(response)).result)).toEqual({ sub: 'alice', bound: false });
    expect(asked).toEqual(['alice']);
  });
});
