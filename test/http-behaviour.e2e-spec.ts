import { createHmac, generateKeyPairSync } from 'node:crypto';
import { connect } from 'node:net';
import { SignJWT } from 'jose';
import { parseChallenge, post, postInMode, rpc, startHarness } from './support/harness.js';
import type { Harness } from './support/harness.js';
import { describeOnPlatforms } from './support/platforms.js';

describeOnPlatforms('HTTP behaviour', (_platform, onPlatform) => {
  /**
   * The HTTP contract of the MCP endpoint (MCP authorization 2025-11-25, RFC 6750, RFC 9728),
   * asserted on the wire against the example server and a real identity provider on loopback.
   */
  describe.each([{ mode: 'session', stateless: 'false' } as const, { mode: 'stateless', stateless: 'true' } as const])(
    'HTTP behaviour ($mode mode)',
    ({ mode, stateless }) => {
      let h: Harness;
      let reader: string;
      let writer: string;
      let admin: string;

      beforeAll(async () => {
        h = await startHarness({ ...onPlatform, MCP_STATELESS: stateless, MCP_ALLOWED_ORIGINS: 'https://app.example.com' });
        [reader, writer, admin] = await Promise.all([h.token('demo-reader'), h.token('demo-writer'), h.token('demo-admin')]);
      });
      afterAll(() => h?.close());

      /** Sends a request the way a client in this mode would: with a session when the server keeps them. */
      function call(token: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
        return postInMode(mode, h.resourceUrl, token, body, headers);
      }

      describe('1. protected resource metadata', () => {
        it.each(['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource'])(
          'serves %s without a token, CORS open',
          async (path) => {
            const response = await fetch(`${h.baseUrl}${path}`, { headers: { origin: 'https://anywhere.example' } });
            expect(response.status).toBe(200);
            expect(response.headers.get('content-type')).toMatch(/^application\/json/);
            expect(response.headers.get('access-control-allow-origin')).toBe('*');
            const body = (await response.json()) as any;
            expect(body).toEqual({
              resource: h.resourceUrl,
              authorization_servers: [h.idp.issuer],
              bearer_methods_supported: ['header'],
              // The example's baseline (MCP_BASELINE_SCOPES, default User.Read); step-up asks for the rest.
              scopes_supported: ['User.Read'],
              resource_name: 'Product catalogue (example)',
              // MCP_DPOP=allowed, the example's default: DPoP-bound tokens are accepted, not required (RFC 9728 §2).
              dpop_signing_alg_values_supported: [
                'ES256',
                'ES384',
                'ES512',
                'PS256',
                'PS384',
                'PS512',
                'RS256',
                'RS384',
                'RS512',
                'EdDSA',
                'Ed25519',
              ],
              dpop_bound_access_tokens_required: false,
            });
          },
        );

        it('answers HEAD as GET without a body, and the CORS preflight with 204', async () => {
          const head = await fetch(h.metadataUrl, { method: 'HEAD' });
          expect(head.status).toBe(200);
          expect(head.headers.get('content-type')).toMatch(/^application\/json/);
          expect(await head.text()).toBe('');
          const preflight = await fetch(h.metadataUrl, {
            method: 'OPTIONS',
            headers: { origin: 'https://anywhere.example', 'access-control-request-method': 'GET' },
          });
          expect(preflight.status).toBe(204);
          expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
          expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, OPTIONS');
          expect(preflight.headers.get('x-powered-by')).toBeNull();
        });

        it.each(['/.well-known/oauth-protected-resource/elsewhere', '/.well-known/oauth-protected-resource/mcp/deeper'])(
          'answers %s, a suffix that is not the endpoint, with a JSON 404',
          async (path) => {
            const response = await fetch(`${h.baseUrl}${path}`);
            expect(response.status).toBe(404);
            expect(await response.json()).toEqual({ error: 'not_found', error_description: 'No protected resource metadata at this path' });
          },
        );

        it('answers other methods on the metadata as the application answers an unknown route', async () => {
          const response = await fetch(h.metadataUrl, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
          expect(response.status).toBe(404);
          await response.body?.cancel();
        });
      });

      describe('2. no credentials', () => {
        it.each(['POST', 'GET', 'DELETE'])('%s answers 401 with resource_metadata and a scope hint, no error', async (method) => {
          const response = await fetch(h.resourceUrl, {
            method,
            headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
            body: method === 'POST' ? JSON.stringify(rpc.initialize()) : undefined,
          });
          expect(response.status).toBe(401);
          const challenge = parseChallenge(response.headers.get('www-authenticate'));
          expect(challenge.scheme).toBe('Bearer');
          expect(challenge.params.resource_metadata).toBe(h.metadataUrl);
          expect(challenge.params.scope).toBe('User.Read');
          expect(challenge.params).not.toHaveProperty('error');
        });
      });

      describe('3. bad tokens', () => {
        const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const cases: Array<[string, (h: Harness) => Promise<string>, string]> = [
          [
            'a wrong signature',
            async (h) => {
              const [header, payload] = (await h.forge(h.claims())).split('.');
              const foreign = await new SignJWT(h.claims()).setProtectedHeader({ alg: 'RS256' }).sign(otherKey.privateKey);
              return `${header}.${payload}.${foreign.split('.')[2]}`;
            },
            'The access token signature is invalid',
          ],
          [
            'alg none',
            async (h) => unsigned({ alg: 'none', typ: 'JWT' }, h.claims()),
            'The access token is signed with an algorithm this server does not accept',
          ],
          [
            'HS256 keyed with the public key',
            async (h) => {
              const jwks = (await (await fetch(`${h.idp.issuer}/jwks`)).json()) as {
                keys: Array<import('node:crypto').JsonWebKey & { kid: string }>;
              };
              const { createPublicKey } = await import('node:crypto');
              const pem = createPublicKey({ key: jwks.keys[0], format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
              return hmacToken({ alg: 'HS256', typ: 'JWT', kid: jwks.keys[0].kid }, h.claims(), pem);
            },
            'The access token is signed with an algorithm this server does not accept',
          ],
          ['an expired token', (h) => h.forge(h.claims({ exp: Math.floor(Date.now() / 1000) - 120 })), 'The access token expired'],
          [
            'a token not yet valid',
            (h) => h.forge(h.claims({ nbf: Math.floor(Date.now() / 1000) + 600 })),
            'The access token is not valid yet',
          ],
          [
            'a token without exp',
            (h) => {
              const { exp: _exp, ...claims } = h.claims();
              return h.forge(claims);
            },
            'The access token has no expiry (exp)',
          ],
          [
            'a wrong issuer',
            (h) => h.forge(h.claims({ iss: 'https://evil.example' })),
            'The access token was issued by an issuer this server does not trust',
          ],
          [
            'an audience not ours',
            (h) => h.forge(h.claims({ aud: 'https://other-api.example/mcp' })),
            'The access token was not issued for this resource',
          ],
          ['an unknown kid', (h) => h.forge(h.claims(), { kid: 'no-such-key' }), 'The access token was signed with an unknown key'],
          ['garbage', async () => 'garbage', 'The access token is not a well-formed JWT'],
          ['three garbage segments', async () => 'abc.def.ghi', 'The access token is not a well-formed JWT'],
        ];

        it.each(cases)('refuses %s with 401 invalid_token', async (_name, make, description) => {
          const token = await make(h);
          const response = await post(h.resourceUrl, rpc.initialize(), { token });
          expect(response.status).toBe(401);
          const header = response.headers.get('www-authenticate')!;
          const challenge = parseChallenge(header);
          expect(challenge.params.error).toBe('invalid_token');
          expect(challenge.params.error_description).toBe(description);
          expect(challenge.params.resource_metadata).toBe(h.metadataUrl);
          expect(header).not.toContain(token);
          expect(await response.text()).not.toContain(token);
        });

        it.each([
          ['Basic', 'Basic ZGVtbzpkZW1v'],
          ['Bearer without a token', 'Bearer'],
          ['Bearer with two tokens', 'Bearer a b'],
          ['Bearer with a forbidden character', 'Bearer abc"def'],
        ])('answers a malformed Authorization header (%s) with 400 invalid_request', async (_name, authorization) => {
          const response = await post(h.resourceUrl, rpc.initialize(), { headers: { authorization } });
          expect(response.status).toBe(400);
          expect(parseChallenge(response.headers.get('www-authenticate')).params.error).toBe('invalid_request');
        });

        it('answers two Authorization headers with 400 invalid_request, even when both are valid', async () => {
          // fetch and http.request merge repeated headers; write the request by hand.
          const { port, host } = new URL(h.resourceUrl);
          const body = JSON.stringify(rpc.initialize());
          const raw = await new Promise<string>((resolve, reject) => {
            let answer = '';
            const socket = connect(Number(port), host.split(':')[0], () =>
              socket.end(
                [
                  `POST /mcp HTTP/1.1`,
                  `Host: ${host}`,
                  `Authorization: Bearer ${admin}`,
                  `Authorization: Bearer ${reader}`,
                  'Content-Type: application/json',
                  'Accept: application/json, text/event-stream',
                  `Content-Length: ${Buffer.byteLength(body)}`,
                  'Connection: close',
                  '',
                  body,
                ].join('\r\n'),
              ),
            );
            socket.setEncoding('utf8');
            socket.on('data', (chunk: string) => (answer += chunk));
            socket.on('end', () => resolve(answer));
            socket.on('error', reject);
          });
          const response = {
            status: Number(raw.split(' ', 2)[1]),
            challenge: /^www-authenticate: (.*)$/im.exec(raw)?.[1]?.trim() ?? null,
          };
          expect(response.status).toBe(400);
          expect(parseChallenge(response.challenge).params.error).toBe('invalid_request');
        });

        it('never accepts a token from the query string', async () => {
          const response = await post(`${h.resourceUrl}?access_token=${admin}`, rpc.initialize());
          expect(response.status).toBe(400);
          expect(parseChallenge(response.headers.get('www-authenticate')).params.error).toBe('invalid_request');
        });
      });

      describe('4. tools/list shows only what the caller may call', () => {
        it.each([
          ['demo-reader', ['list_products', 'whoami']],
          ['demo-writer', ['create_product', 'import_products', 'list_products', 'whoami']],
          ['demo-admin', ['create_product', 'delete_product', 'import_products', 'list_products', 'whoami']],
        ])('%s sees %j', async (client, expected) => {
          const token = { 'demo-reader': reader, 'demo-writer': writer, 'demo-admin': admin }[client]!;
          const response = await call(token, rpc.listTools());
          expect(response.status).toBe(200);
          const body = (await response.json()) as any;
          expect(body.result.tools.map((tool: { name: string }) => tool.name).sort()).toEqual(expected);
        });
      });

      it('4. implies nothing by default: Admin.Write alone does not grant User.Read', async () => {
        const response = await call(await h.forge(h.claims({ scope: 'Admin.Write' })), rpc.listTools());
        const body = (await response.json()) as any;
        expect(body.result.tools.map((tool: { name: string }) => tool.name).sort()).toEqual([
          'create_product',
          'delete_product',
          'import_products',
          'whoami',
        ]);
      });

      describe('5. tools/call without the scopes: 403 step-up before dispatch', () => {
        it.each([
          ['delete_product', { id: 1 }, 'Admin.Write'],
          ['create_product', { name: 'Desk', price: 100 }, 'User.Write'],
        ])('refuses %s to a reader with insufficient_scope', async (tool, args, scope) => {
          const response = await call(reader, rpc.callTool(tool, args));
          expect(response.status).toBe(403);
          const challenge = parseChallenge(response.headers.get('www-authenticate'));
          expect(challenge.params.error).toBe('insufficient_scope');
          expect(challenge.params.scope).toBe(scope);
          expect(challenge.params.resource_metadata).toBe(h.metadataUrl);
        });

        it('lets the admin call delete_product, which asks the user first: a client that cannot be asked deletes nothing', async () => {
          const created = (await (await call(admin, rpc.callTool('create_product', { name: 'Lamp', price: 30 }))).json()) as any;
          const { id } = JSON.parse(created.result.content[0].text);
          const response = await call(admin, rpc.callTool('delete_product', { id }));
          expect(response.status).toBe(200);
          const body = (await response.json()) as any;
          // This client declared no elicitation (and without sessions nothing can be asked): the tool says so.
          expect(body.result.isError).toBe(true);
          expect(body.result.content[0].text).toMatch(/^Input cannot be requested/);
          const listed = (await (await call(admin, rpc.callTool('list_products'))).json()) as any;
          expect(listed.result.structuredContent.products).toContainEqual({ id, name: 'Lamp', price: 30 });
        });

        it('fails only the forbidden call of a batch (the handler checks again)', async () => {
          const response = await call(reader, [rpc.callTool('list_products', {}, 10), rpc.callTool('delete_product', { id: 1 }, 11)]);
          expect(response.status).toBe(200);
          const replies = (await response.json()) as any as Array<{
            id: number;
            result?: { content: unknown[] };
            error?: { code: number; message: string; data?: unknown };
          }>;
          const byId = Object.fromEntries(replies.map((reply) => [reply.id, reply]));
          expect(byId[10].result?.content).toHaveLength(1);
          expect(byId[11].error).toEqual({
            code: -32003,
            message: 'Insufficient scope for tool delete_product',
            data: { requiredScopes: ['Admin.Write'] },
          });
        });
      });

      describe('8. origins and CORS', () => {
        it('refuses a foreign Origin with 403 before looking at the token', async () => {
          const response = await post(h.resourceUrl, rpc.initialize(), { token: admin, headers: { origin: 'https://evil.example' } });
          expect(response.status).toBe(403);
        });

        it('answers a preflight without a token', async () => {
          const response = await fetch(h.resourceUrl, {
            method: 'OPTIONS',
            headers: {
              origin: 'https://app.example.com',
              'access-control-request-method': 'POST',
              'access-control-request-headers': 'authorization, content-type',
            },
          });
          expect(response.status).toBe(204);
          expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
          expect(response.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
          expect(response.headers.get('access-control-allow-headers')).toMatch(/Mcp-Session-Id/);
        });

        it('exposes WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version and DPoP-Nonce to an allowed origin, on a 401 too', async () => {
          const response = await post(h.resourceUrl, rpc.initialize(), { headers: { origin: 'https://app.example.com' } });
          expect(response.status).toBe(401);
          expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
          expect(response.headers.get('access-control-expose-headers')).toBe(
            'WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version, DPoP-Nonce',
          );
        });
      });

      describe('9. invalid JSON', () => {
        it('answers 400 with a JSON-RPC parse error', async () => {
          const response = await post(h.resourceUrl, '{"jsonrpc": "2.0", "id": 1,', { token: reader });
          expect(response.status).toBe(400);
          expect((await response.json()) as any).toEqual({
            jsonrpc: '2.0',
            error: { code: -32700, message: 'Parse error: Invalid JSON' },
            id: null,
          });
        });

        it.each([
          ['tools/call with a number for a name', 'tools/call', { name: 5, arguments: {} }],
          ['tools/call without params', 'tools/call', undefined],
          ['tools/list with a number for a cursor', 'tools/list', { cursor: 5 }],
          ['resources/read without a uri', 'resources/read', {}],
          ['prompts/get without a name', 'prompts/get', { arguments: {} }],
        ])('answers %s with JSON-RPC -32602 Invalid params', async (_name, method, params) => {
          const response = await call(reader, { jsonrpc: '2.0', id: 41, method, ...(params === undefined ? {} : { params }) });
          expect(response.status).toBe(200);
          const body = (await response.json()) as { id: number; error: { code: number; message: string } };
          expect(body.id).toBe(41);
          expect(body.error.code).toBe(-32602);
          expect(body.error.message).toMatch(/Invalid/);
        });
      });
    },
  );
});

function unsigned(header: object, payload: object): string {
  return `${b64(header)}.${b64(payload)}.`;
}

function hmacToken(header: object, payload: object, secret: string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
