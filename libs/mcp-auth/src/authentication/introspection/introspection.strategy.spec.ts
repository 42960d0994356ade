import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultClaimsToScopes } from '../claims-to-scopes.js';
import type { Challenges } from '../challenges.js';
import { subjectClaim } from '../principal.js';
import { TokenRejection } from '../token-rejection.js';
import type { ResolvedIntrospection } from './introspection.options.js';
import { keycloak } from '../identity-providers/keycloak.preset.js';
import { IntrospectionStrategy } from './introspection.strategy.js';
import type { IntrospectedIssuer } from './introspection.strategy.js';

const ISSUER = 'https://issuer.example';
const AUDIENCE = 'https://api.example/mcp';

/** A loopback introspection endpoint answering from a table, recording what it was sent. */
class FakeIntrospectionEndpoint {
  readonly requests: Array<{ path?: string; authorization?: string; body: URLSearchParams }> = [];
  answers = new Map<string, unknown>();
  status = 200;
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      this.requests.push({ path: req.url, authorization: req.headers.authorization, body });
      res.statusCode = this.status;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(this.answers.get(body.get('token') ?? '') ?? { active: false }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/introspect`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server!.close(() => resolve()));
  }
}

class TestableStrategy extends IntrospectionStrategy {
  check(token: string) {
    return this.verify(token);
  }
}

describe('IntrospectionStrategy against a loopback endpoint', () => {
  const endpoint = new FakeIntrospectionEndpoint();
  let config: ResolvedIntrospection;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    config = {
      endpoint: await endpoint.start(),
      clientId: 'rs client',
      clientSecret: 's3cr:t',
      clientAuthMethod: 'client_secret_basic',
      cacheMaxSeconds: 60,
      cacheMaxEntries: 100,
      timeoutMs: 2_000,
    };
  });
  afterAll(() => endpoint.stop());

  function strategy(overrides: Partial<ResolvedIntrospection> = {}, rules: Partial<IntrospectedIssuer> = {}): TestableStrategy {
    return new TestableStrategy(
      'test',
      [
        {
          issuers: [ISSUER],
          audiences: [AUDIENCE],
          claimsToScopes: defaultClaimsToScopes,
          subjectOf: subjectClaim,
          introspection: { ...config, ...overrides },
          ...rules,
        },
      ],
      { clockToleranceSeconds: 5, verifiesJwtsLocally: false },
      {} as Challenges,
    );
  }

  function answer(token: string, claims: Record<string, unknown>): void {
    endpoint.answers.set(token, {
      active: true,
      iss: ISSUER,
      aud: AUDIENCE,
      client_id: 'app',
      exp: now() + 60,
      scope: 'User.Read',
      ...claims,
    });
  }

  it('authenticates with client_secret_basic, form-encoding id and secret (RFC 6749 §2.3.1)', async () => {
    answer('t-basic', { sub: 'alice' });
    const verdict = await strategy().check('t-basic');
    expect(verdict).toMatchObject({ sub: 'alice', clientId: 'app', scopes: ['User.Read'], issuer: ISSUER });
    const request = endpoint.requests.at(-1)!;
    expect(request.authorization).toBe(`Basic ${Buffer.from('rs+client:s3cr%3At').toString('base64')}`);
    expect(request.body.get('token_type_hint')).toBe('access_token');
  });

  it('authenticates with client_secret_post when configured', async () => {
    answer('t-post', {});
    expect(await strategy({ clientAuthMethod: 'client_secret_post' }).check('t-post')).toMatchObject({ sub: 'app' });
    const request = endpoint.requests.at(-1)!;
    expect(request.authorization).toBeUndefined();
    expect([request.body.get('client_id'), request.body.get('client_secret')]).toEqual(['rs client', 's3cr:t']);
  });

  it.each([
    ['inactive', { active: false }, 'inactive'],
    ['another issuer', { iss: 'https://evil.example' }, 'wrong_issuer'],
    ['no audience', { aud: undefined }, 'wrong_audience'],
    ['expired beyond the leeway', { exp: now() - 10 }, 'expired'],
    ['not yet valid', { nbf: now() + 60 }, 'not_yet_valid'],
    ['no subject and no client', { client_id: undefined }, 'missing_subject'],
  ])('refuses %s', async (_case, claims, code) => {
    const token = `t-${code}`;
    answer(token, claims);
    const verdict = await strategy().check(token);
    expect(verdict).toBeInstanceOf(TokenRejection);
    expect((verdict as TokenRejection).code).toBe(code);
  });

  it('refuses when the endpoint fails, and does not cache the failure', async () => {
    answer('t-flaky', {});
    const subject = strategy();
    endpoint.status = 503;
    expect(((await subject.check('t-flaky')) as TokenRejection).code).toBe('introspection_unavailable');
    endpoint.status = 200;
    expect(await subject.check('t-flaky')).toMatchObject({ sub: 'app' });
  });

  it('L1 refuses an answer issued in the future beyond the leeway, or with a non-numeric iat, like nbf', async () => {
    answer('t-iat-future', { iat: now() + 60 });
    answer('t-iat-text', { iat: 'yesterday' });
    answer('t-iat-ok', { iat: now() + 2 });
    expect(((await strategy().check('t-iat-future')) as TokenRejection).code).toBe('not_yet_valid');
    expect(((await strategy().check('t-iat-text')) as TokenRejection).code).toBe('invalid_claim');
    expect(await strategy().check('t-iat-ok')).toMatchObject({ sub: 'app' });
  });

  it.each([
    ['a Keycloak refresh token (typ Refresh)', { typ: 'Refresh' }],
    ['a Keycloak ID token (typ ID)', { typ: 'ID' }],
    ['an RFC 7662 token_type that is not a bearer access token', { token_type: 'refresh_token' }],
    ['a DPoP-bound token (no proof is checked here)', { token_type: 'DPoP' }],
  ])("L2 applies the issuer's claim rules to introspection answers: refuses %s", async (_case, claims) => {
    const token = `t-l2-${JSON.stringify(claims)}`;
    answer(token, { typ: 'Bearer', token_type: 'Bearer', ...claims });
    const rules = keycloak({ url: 'https://sso.example', realm: 'acme' });
    const verdict = await strategy({}, { checkClaims: rules.checkClaims }).check(token);
    expect(verdict).toBeInstanceOf(TokenRejection);
    expect((verdict as TokenRejection).code).toBe('invalid_claim');
    answer('t-l2-access', { typ: 'Bearer', token_type: 'Bearer' });
    expect(await strategy({}, { checkClaims: rules.checkClaims }).check('t-l2-access')).toMatchObject({ sub: 'app' });
  });

  it.each([
    ['a thumbprint too short', { cnf: { jkt: 'abc' } }],
    ['a number', { cnf: { jkt: 42 } }],
  ])('refuses an answer whose cnf.jkt is %s as invalid_claim, before validateUser hears of the user', async (_case, claims) => {
    const token = `t-cnf-${JSON.stringify(claims)}`;
    answer(token, { token_type: 'DPoP', ...claims });
    const asked: string[] = [];
    const validateUser = (principal: { sub: string }) => {
      asked.push(principal.sub);
      return true;
    };
    const checked = new TestableStrategy(
      'test',
      [{ issuers: [ISSUER], audiences: [AUDIENCE], claimsToScopes: defaultClaimsToScopes, subjectOf: subjectClaim, introspection: config }],
      { clockToleranceSeconds: 5, verifiesJwtsLocally: false, validateUser },
      {} as Challenges,
    );
    const verdict = await checked.check(token);
    expect(verdict).toBeInstanceOf(TokenRejection);
    expect((verdict as TokenRejection).code).toBe('invalid_claim');
    expect((verdict as TokenRejection).message).toContain('cnf.jkt');
    expect(asked).toEqual([]);
  });

  it('M2 an opaque token is only sent to the issuer that recognises it, never to each in turn', async () => {
    const rules = { issuers: [ISSUER], audiences: [AUDIENCE], claimsToScopes: defaultClaimsToScopes, subjectOf: subjectClaim };
    const subject = new TestableStrategy(
      'two',
      [
        {
          ...rules,
          introspection: {
            ...config,
            endpoint: config.endpoint.replace('/introspect', '/partner'),
            recognizes: (t) => t.startsWith('partner_'),
          },
        },
        { ...rules, introspection: { ...config, recognizes: (t) => t.startsWith('ours_') } },
      ],
      { clockToleranceSeconds: 5, verifiesJwtsLocally: false },
      {} as Challenges,
    );
    answer('ours_live-token', { sub: 'alice' });
    const before = endpoint.requests.length;
    expect(await subject.check('ours_live-token')).toMatchObject({ sub: 'alice' });
    // One request, to our issuer's endpoint; the partner (listed first) saw nothing.
    expect(endpoint.requests.slice(before).map((request) => request.path)).toEqual(['/introspect']);
    expect(endpoint.requests.slice(before).map((request) => request.body.get('token'))).toEqual(['ours_live-token']);
    // A token no issuer recognises goes nowhere.
    expect(((await subject.check('unknown_token')) as TokenRejection).code).toBe('wrong_issuer');
    expect(endpoint.requests.length - before).toBe(1);
  });

  it('asks once per token while the result is cached, every time with cacheMaxSeconds 0', async () => {
    answer('t-cached', {});
    const cached = strategy();
    const before = endpoint.requests.length;
    await cached.check('t-cached');
    await cached.check('t-cached');
    expect(endpoint.requests.length - before).toBe(1);
    const uncached = strategy({ cacheMaxSeconds: 0 });
    await uncached.check('t-cached');
    await uncached.check('t-cached');
    expect(endpoint.requests.length - before).toBe(3);
  });
});
