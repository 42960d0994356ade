import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpPrincipal } from '../authentication/principal.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { DownstreamTokenError } from './downstream-token.error.js';
import { DownstreamTokens } from './downstream-tokens.service.js';
import { resolveDownstream, resolveDownstreamCache } from './resolve-downstream.js';

const ISSUER = 'https://idp.example.com';
const CALLER_TOKEN = 'the-callers-own-access-token';

/** An unsigned JWT with these claims: what an identity provider's downstream token may look like. */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

/**
 * The scope ceiling where it acts: {@link DownstreamTokens} against a loopback RFC 8693 token
 * endpoint that answers what each test sets. A token with more scope than the tool asked for
 * is refused and not kept, whether the response says so in `scope` or only the token's claims do.
 */
describe('DownstreamTokens: the scope ceiling', () => {
  let server: Server;
  let endpoint: string;
  let answer: Record<string, unknown>;
  let requests: URLSearchParams[];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        requests.push(new URLSearchParams(body));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    requests = [];
  });

  function service(): DownstreamTokens {
    const downstream = resolveDownstream(
      { clientId: 'mcp-server', clientSecret: 'secret', tokenEndpoint: endpoint },
      'issuers[0]',
      undefined,
    );
    const options = {
      issuers: [{ issuers: [ISSUER], downstream }],
      downstreamCache: resolveDownstreamCache(undefined, undefined, true),
    } as unknown as Pick<ResolvedMcpAuthOptions, 'issuers' | 'downstreamCache'>;
    return new DownstreamTokens(options, new RedisConnection({} as ResolvedMcpAuthOptions));
  }

  const caller = {
    principal: {
      sub: 'alice',
      id: 'alice',
      scopes: ['User.Read'],
      issuer: ISSUER,
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
      claims: {},
    } satisfies McpPrincipal,
    authInfo: { token: CALLER_TOKEN },
  };
  const request = { audience: 'inventory-api', scopes: ['stock:read'] };

  it('hands out a token that carries what was asked, once per user and API while it lasts', async () => {
    answer = { access_token: jwt({ scope: 'stock:read' }), token_type: 'Bearer', expires_in: 300, scope: 'stock:read' };
    const tokens = service();

    const first = await tokens.tokenFor(caller, request);
    const second = await tokens.tokenFor(caller, request);

    expect(first.scopes).toEqual(['stock:read']);
    expect(second.accessToken).toBe(first.accessToken);
    expect(requests).toHaveLength(1);
    expect(requests[0].get('subject_token')).toBe(CALLER_TOKEN);
    expect(requests[0].get('scope')).toBe('stock:read');
    expect(requests[0].get('audience')).toBe('inventory-api');
  });

  it('refuses a token whose response grants more scope than asked (excess_scope), and does not keep it', async () => {
    answer = { access_token: jwt({ scope: 'stock:read' }), token_type: 'Bearer', expires_in: 300, scope: 'stock:read stock:write' };
    const tokens = service();

    const refusal = await tokens.tokenFor(caller, request).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DownstreamTokenError);
    expect((refusal as DownstreamTokenError).code).toBe('excess_scope');
    expect((refusal as DownstreamTokenError).message).toContain('stock:write');
    expect((refusal as DownstreamTokenError).message).not.toContain(answer.access_token as string);

    // Nothing was cached: the next call asks again (and is refused again).
    await expect(tokens.tokenFor(caller, request)).rejects.toMatchObject({ code: 'excess_scope' });
    expect(requests).toHaveLength(2);
    expect(tokens.stats[0].counts.get('excess_scope')).toBe(2);
    expect(tokens.stats[0].counts.get('exchanged')).toBeUndefined();
  });

  it("checks the token's own claims when the response names no scope: more there is refused too", async () => {
    answer = { access_token: jwt({ scope: 'stock:read admin' }), token_type: 'Bearer', expires_in: 300 };
    await expect(service().tokenFor(caller, request)).rejects.toMatchObject({
      code: 'excess_scope',
      message: expect.stringContaining('admin'),
    });

    answer = { access_token: jwt({ scp: ['stock:read', 'stock:delete'] }), token_type: 'Bearer', expires_in: 300 };
    await expect(service().tokenFor(caller, request)).rejects.toMatchObject({
      code: 'excess_scope',
      message: expect.stringContaining('stock:delete'),
    });
  });

  it("accepts a response without scope whose token's claims stay within the request, reporting the scopes asked", async () => {
    answer = { access_token: jwt({ scope: 'openid stock:read' }), token_type: 'Bearer', expires_in: 300 };
    const token = await service().tokenFor(caller, request);
    expect(token.scopes).toEqual(['stock:read']);
  });
});
