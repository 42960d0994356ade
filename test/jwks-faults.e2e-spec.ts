import 'reflect-metadata';
import { Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IssuerRegistry, McpAuthModule, McpTool, McpToolProvider } from 'nestjs-mcp-auth';
import type { JwksKeyStore } from 'nestjs-mcp-auth';
import type { McpAuthOptions, McpToolContext } from 'nestjs-mcp-auth';
import { freePort, parseChallenge, post, rpc } from './support/harness.js';
import { newSigningKey, signToken, startJwksServer } from './support/jwks-server.js';
import type { JwksServer, TestSigningKey } from './support/jwks-server.js';

const ISSUER = 'https://idp.test.invalid/realms/faults';

@McpToolProvider()
class WhoTools {
  @McpTool({ name: 'who', description: 'The caller' })
  who(_args: unknown, { principal }: McpToolContext) {
    return principal.sub;
  }
}

/**
 * Key handling under identity-provider faults, over HTTP: a loopback JWKS endpoint the
 * test makes slow, down, garbage or rotated, and a server with short cache windows.
 */
describe('JWKS faults (identity provider slow, down, garbage, rotating)', () => {
  let jwks: JwksServer;
  let app: INestApplication;
  let endpoint: string;
  let keyStore: JwksKeyStore;
  let current: TestSigningKey;
  let spare: TestSigningKey;

  const start = async (options: Partial<McpAuthOptions> = {}) => {
    const port = await freePort();
    endpoint = `http://127.0.0.1:${port}/mcp`;
    @Module({
      imports: [
        McpAuthModule.forRoot({
          issuer: ISSUER,
          jwksUri: jwks.url,
          resourceUrl: endpoint,
          stateless: true,
          jwks: { cooldownMs: 30_000, cacheMaxAgeMs: 600_000, timeoutMs: 300 },
          ...options,
        }),
      ],
      providers: [WhoTools],
    })
    class FaultsAppModule {}
    app = await NestFactory.create(FaultsAppModule, { bodyParser: false, logger: false });
    await app.listen(port, '127.0.0.1');
    keyStore = app.get(IssuerRegistry).keyStores[0];
    await keyStore.refresh(); // the keys are held before each case, as after a first request
  };
  const token = (key: TestSigningKey, sub = 'alice', header: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return signToken(key, { iss: ISSUER, aud: endpoint, sub, scope: 'User.Read', iat: now, exp: now + 300 }, header);
  };
  const call = async (bearer: string) => {
    const response = await post(endpoint, rpc.callTool('who'), { token: bearer });
    const body = await response.text();
    return { status: response.status, challenge: response.headers.get('www-authenticate'), body };
  };
  const expectInvalidToken = (result: { status: number; challenge: string | null }) => {
    expect(result.status).toBe(401);
    expect(parseChallenge(result.challenge).params.error).toBe('invalid_token');
  };

  beforeAll(() => {
    current = newSigningKey('RSA');
    spare = newSigningKey('RSA');
  });
  beforeEach(async () => {
    jwks = await startJwksServer([current]);
  });
  afterEach(async () => {
    await app?.close();
    await jwks.close();
  });

  it('fetches the JWKS once for any number of requests under a known key', async () => {
    await start();
    const bearer = await token(current);
    const results = await Promise.all(Array.from({ length: 20 }, () => call(bearer)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(results[0].body).toContain('alice');
    expect(jwks.requests).toBe(1);
    expect(keyStore.stats).toEqual({ fetches: 1, failedFetches: 0 });
  });

  it('turns a flood of made-up kids into 401s and no extra fetch within the cooldown', async () => {
    await start();
    const forged = await Promise.all(Array.from({ length: 30 }, (_, i) => token(current, 'mallory', { kid: `made-up-${i}` })));
    const results = await Promise.all(forged.map(call));
    for (const result of results) expectInvalidToken(result);
    expect(jwks.requests).toBe(1);
  });

  it('coalesces the fetch for a newly rotated key across concurrent requests, once the cooldown allows', async () => {
    await start({ jwks: { cooldownMs: 1, cacheMaxAgeMs: 600_000, timeoutMs: 1_000 } });
    jwks.keys = [current, spare];
    jwks.mode = 'hang';
    const bearer = await token(spare, 'bob');
    await new Promise((resolve) => setTimeout(resolve, 5)); // let the 1 ms cooldown pass
    const pending = Promise.all(Array.from({ length: 10 }, () => call(bearer)));
    for (let i = 0; i < 100 && jwks.requests < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    jwks.release();
    const results = await pending;
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(jwks.requests).toBe(2);
  });

  it.each(['hang', 'http-503', 'garbage', 'not-a-jwks', 'reset'] as const)(
    'while the JWKS endpoint fails (%s): cached keys keep working, other tokens get a clean 401',
    async (mode) => {
      await start({ jwks: { cooldownMs: 1, cacheMaxAgeMs: 600_000, timeoutMs: 300 } });
      jwks.mode = mode;
      jwks.keys = [current, spare];
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect((await call(await token(current))).status).toBe(200);
      const refused = await call(await token(spare, 'bob'));
      expectInvalidToken(refused);
      expect(parseChallenge(refused.challenge).params.error_description).toMatch(/signing keys could not be retrieved/);
      // One read at startup and one for the unknown key; a reset connection is asked twice more within that read.
      expect(jwks.requests).toBe(mode === 'reset' ? 4 : 2);
      expect((await call(await token(current))).status).toBe(200);
    },
  );

  it('stops accepting a key removed from the JWKS once the cache period is over', async () => {
    await start({ jwks: { cooldownMs: 1, cacheMaxAgeMs: 50, timeoutMs: 1_000 } });
    const bearer = await token(current);
    expect((await call(bearer)).status).toBe(200);
    jwks.keys = [spare];
    await new Promise((resolve) => setTimeout(resolve, 80));
    expectInvalidToken(await call(bearer));
    expect((await call(await token(spare, 'bob'))).status).toBe(200);
  });

  it('refuses a remembered token too once its key left the JWKS (verified-token cache)', async () => {
    await start({ jwks: { cooldownMs: 1, cacheMaxAgeMs: 50, timeoutMs: 1_000 }, tokenCache: { maxEntries: 10 } });
    const bearer = await token(current);
    expect((await call(bearer)).status).toBe(200);
    expect((await call(bearer)).status).toBe(200);
    jwks.keys = [spare];
    await new Promise((resolve) => setTimeout(resolve, 80));
    expectInvalidToken(await call(bearer));
  });

  it('runs validateUser for a remembered token on every request', async () => {
    const blocked = new Set<string>();
    await start({ validateUser: (principal) => !blocked.has(principal.sub) });
    const bearer = await token(current, 'carol');
    expect((await call(bearer)).status).toBe(200);
    expect((await call(bearer)).status).toBe(200);
    blocked.add('carol');
    expect((await call(bearer)).status).toBe(403);
  });

  it('answers every request while the identity provider never answered at startup, with 401 not 5xx', async () => {
    jwks.mode = 'http-503';
    await start();
    const results = await Promise.all([call(await token(current)), call(await token(spare))]);
    for (const result of results) expectInvalidToken(result);
    expect(jwks.requests).toBe(1);
  });
});
