import * as fc from 'fast-check';
import { openSession, parseChallenge, post, rpc, startHarness } from './support/harness.js';
import { nodePost } from './support/node-post.js';
import type { Harness } from './support/harness.js';
import { describeOnPlatforms } from './support/platforms.js';
import { MODERN } from './support/modern.js';

/**
 * Item 2: property-based fuzzing of what a hostile client controls, against the real
 * example server. Fixed seed and bounded runs, so a failure replays exactly.
 */
const SEED = 20251125;
const runs = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns, endOnFailure: true });

const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
const B64URL = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'];
const headerText = (maxLength = 300) => fc.string({ unit: fc.constantFrom(...PRINTABLE), maxLength });
const b64url = (maxLength = 200) => fc.string({ unit: fc.constantFrom(...B64URL), maxLength });
const encode = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
/** Host headers a client may send: junk, IPv6 literals, ports out of range, odd case. */
const hostHeader = fc.oneof(
  headerText(60),
  fc.tuple(fc.domain(), fc.integer({ min: 0, max: 200_000 })).map(([name, port]) => `${name}:${port}`),
  fc.constantFrom('[::1]:8080', '[::1', 'a b', 'EXAMPLE.com', 'x:', ':80', '..', '127.0.0.1:65535', 'host\\path', 'user@host'),
);

describeOnPlatforms('fuzzing', (_platform, onPlatform) => {
  describe('fuzzing hostile input against the example server', () => {
    let h: Harness;
    let reader: string;
    const now = () => Math.floor(Date.now() / 1000);

    beforeAll(async () => {
      h = await startHarness({ ...onPlatform, MCP_STATELESS: 'true' });
      reader = await h.token('demo-reader');
    });
    afterAll(() => h?.close());

    /** Sends a tools/call of `whoami` (needs no scope) with this Authorization header. */
    async function callWith(authorization: string): Promise<{ status: number; challenge: string | null; body: string }> {
      const response = await post(h.resourceUrl, rpc.callTool('whoami'), { headers: { authorization } });
      return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.text() };
    }

    /** A refusal as the specification wants it: 400 invalid_request or 401 invalid_token with the metadata URL, or 431. */
    function expectRefused(answer: { status: number; challenge: string | null }, token?: string, authorization?: string): void {
      expect([400, 401, 431]).toContain(answer.status);
      if (answer.status === 431) return;
      const challenge = parseChallenge(answer.challenge);
      // A token sent with the DPoP scheme (the example accepts DPoP) is refused on the DPoP challenge, any other on Bearer.
      const dpop = answer.status === 401 && /^dpop +/i.test(authorization ?? '');
      expect(challenge.scheme).toBe(dpop ? 'DPoP' : 'Bearer');
      expect(challenge.params.resource_metadata).toBe(h.metadataUrl);
      expect(challenge.params.error).toBe(answer.status === 400 ? 'invalid_request' : 'invalid_token');
      if (token) expect(answer.challenge).not.toContain(token);
    }

    it('refuses every random Authorization header with 400, 401 or 431, never 5xx', async () => {
      const header = fc.oneof(
        headerText(),
        fc
          .tuple(
            fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'Token', 'DPoP', ''),
            fc.constantFrom(' ', '  ', '\t', ''),
            headerText(),
          )
          .map((parts) => parts.join('')),
        fc.array(b64url(80), { minLength: 1, maxLength: 6 }).map((segments) => `Bearer ${segments.join('.')}`),
        fc
          .tuple(fc.integer({ min: 16_000, max: 20_000 }), fc.constantFrom('a', '.', '='))
          .map(([length, char]) => `Bearer ${char.repeat(length)}`),
      );
      const seen = new Set<number>();
      await fc.assert(
        fc.asyncProperty(header, async (authorization) => {
          fc.pre(authorization.trim() !== '');
          const answer = await callWith(authorization);
          seen.add(answer.status);
          expectRefused(answer, undefined, authorization);
        }),
        runs(150),
      );
      // The generators reach every kind of refusal, so the property is not vacuous.
      expect([...seen].sort()).toEqual([400, 401, 431]);
    });

    it('refuses every token whose segments were tampered with (bad base64, other alg, swapped payload, cut or extra segments)', async () => {
      const original = await h.forge(h.claims());
      const [header, payload, signature] = original.split('.');
      const tamper = fc.oneof(
        b64url().map((garbage) => `${garbage}.${payload}.${signature}`),
        fc.jsonValue().map((value) => `${encode(value)}.${payload}.${signature}`),
        fc
          .constantFrom('none', 'HS256', 'HS512', 'RS384', 'PS256', 'ES256', 'EdDSA', '')
          .map((alg) => `${encode({ alg, typ: 'JWT' })}.${payload}.${alg === 'none' ? '' : signature}`),
        fc.jsonValue().map((value) => `${header}.${encode(value)}.${signature}`),
        b64url().map((garbage) => `${header}.${payload}.${garbage}`),
        fc.constantFrom('!', '*', '%', '~', '+', '/').map((char) => `${header}.${payload}${char}.${signature}`),
        fc
          .integer({ min: 1, max: 5 })
          .filter((count) => count !== 3)
          .map((count) => [header, payload, signature, signature, payload].slice(0, count).join('.')),
        fc.integer({ min: 1, max: signature.length - 1 }).map((cut) => `${header}.${payload}.${signature.slice(0, cut)}`),
      );
      await fc.assert(
        fc.asyncProperty(tamper, async (token) => {
          fc.pre(token !== original);
          expectRefused(await callWith(`Bearer ${token}`), token);
        }),
        runs(150),
      );
    });

    it('refuses signed tokens whose exp, aud, iss, sub or nbf has a wrong type or value, and says invalid_token', async () => {
      const notOurs = (value: unknown) => value !== h.resourceUrl && !(Array.isArray(value) && value.includes(h.resourceUrl));
      const wrong = fc.oneof(
        fc.record({
          claim: fc.constant('exp'),
          value: fc.oneof(
            fc.string(),
            fc.constant(null),
            fc.boolean(),
            fc.array(fc.integer()),
            fc.object(),
            fc.integer({ min: 1, max: 1_000_000_000 }),
            fc.constant(`${now() + 600}`),
          ),
        }),
        fc.record({
          claim: fc.constant('aud'),
          value: fc
            .oneof(
              fc.integer(),
              fc.constant(null),
              fc.boolean(),
              fc.object(),
              fc.array(fc.oneof(fc.integer(), fc.webUrl())),
              fc.webUrl(),
              fc.constant(`${h.resourceUrl}/`),
              fc.constant(h.resourceUrl.toUpperCase()),
            )
            .filter(notOurs),
        }),
        fc.record({
          claim: fc.constant('iss'),
          value: fc.oneof(
            fc.integer(),
            fc.constant(null),
            fc.webUrl(),
            fc.constant(`${h.idp.issuer}/`),
            fc.array(fc.constant(h.idp.issuer)),
          ),
        }),
        fc.record({
          claim: fc.constant('sub'),
          value: fc.oneof(fc.integer(), fc.constant(null), fc.constant(''), fc.boolean(), fc.object(), fc.array(fc.string())),
        }),
        fc.record({
          claim: fc.constant('nbf'),
          value: fc.oneof(fc.integer({ min: now() + 3600, max: now() + 10_000_000 }), fc.string(), fc.constant(null), fc.object()),
        }),
        fc.record({ claim: fc.constantFrom('exp', 'aud', 'iss', 'sub'), value: fc.constant(undefined) }),
      );
      await fc.assert(
        fc.asyncProperty(wrong, async ({ claim, value }) => {
          const token = await h.forge(h.claims({ [claim]: value }));
          const answer = await callWith(`Bearer ${token}`);
          expect(answer.status).toBe(401);
          expectRefused(answer, token);
        }),
        runs(120),
      );
    });

    it('grants nothing for a scope claim of the wrong type: the token is valid, every scoped tool answers 403', async () => {
      const scope = fc.oneof(
        fc.integer(),
        fc.constant(null),
        fc.boolean(),
        fc.object(),
        fc.array(fc.oneof(fc.integer(), fc.constant(null), fc.object())),
      );
      await fc.assert(
        fc.asyncProperty(scope, async (value) => {
          const token = await h.forge(h.claims({ scope: value }));
          const whoami = await post(h.resourceUrl, rpc.callTool('whoami'), { token });
          expect(whoami.status).toBe(200);
          expect(((await whoami.json()) as any).result.structuredContent.scopes).toEqual([]);
          const scoped = await post(h.resourceUrl, rpc.callTool('list_products'), { token });
          expect(scoped.status).toBe(403);
          expect(parseChallenge(scoped.headers.get('www-authenticate')).params.error).toBe('insufficient_scope');
        }),
        runs(40),
      );
    });

    it('reads duplicate claim names as the last one (RFC 7519 §4): a bad last value is refused, a good last value accepted', async () => {
      const bad: Record<string, unknown> = { aud: 'https://other.example/mcp', exp: now() - 3600, iss: 'https://evil.example', sub: 7 };
      const duplicate = fc.record({ claim: fc.constantFrom(...Object.keys(bad)), badLast: fc.boolean() });
      await fc.assert(
        fc.asyncProperty(duplicate, async ({ claim, badLast }) => {
          const claims = h.claims();
          const good = JSON.stringify(claims[claim]);
          const wrong = JSON.stringify(bad[claim]);
          const { [claim]: _dropped, ...rest } = claims;
          const body = JSON.stringify(rest).slice(1, -1);
          const [first, last] = badLast ? [good, wrong] : [wrong, good];
          const token = await h.forgeRaw(`{"${claim}":${first},${body},"${claim}":${last}}`);
          const answer = await callWith(`Bearer ${token}`);
          expect(answer.status).toBe(badLast ? 401 : 200);
        }),
        runs(30),
      );
    });

    it('survives huge and deeply nested claims in validly signed tokens: 200, or 400/431 when the header is too big; never 5xx', async () => {
      const shape = fc.oneof(
        fc.integer({ min: 1_000, max: 20_000 }).map((size) => `"blob":${JSON.stringify('x'.repeat(size))}`),
        fc.integer({ min: 10, max: 6_000 }).map((depth) => `"nested":${'['.repeat(depth)}${']'.repeat(depth)}`),
        fc.integer({ min: 10, max: 2_000 }).map((depth) => `"deep":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
        fc.integer({ min: 100, max: 1_500 }).map((count) => `"many":[${Array.from({ length: count }, (_, i) => i).join(',')}]`),
      );
      const seen = new Set<number>();
      await fc.assert(
        fc.asyncProperty(shape, async (extra) => {
          const token = await h.forgeRaw(`{${JSON.stringify(h.claims()).slice(1, -1)},${extra}}`);
          const answer = await callWith(`Bearer ${token}`);
          seen.add(answer.status);
          expect([200, 400, 431]).toContain(answer.status);
          if (answer.status === 200) expect(JSON.parse(answer.body).result.structuredContent.sub).toBe('demo-reader');
          else expectRefused(answer, token);
        }),
        runs(40),
      );
      expect(seen).toEqual(new Set([200, 431]));
    });

    it('answers every JSON-RPC body (wrong types, batches, unknown methods, huge params) with a 4xx or well-formed JSON-RPC, never 5xx', async () => {
      const id = fc.oneof(fc.integer(), fc.string({ maxLength: 20 }), fc.constant(null), fc.boolean(), fc.object({ maxDepth: 1 }));
      const method = fc.oneof(
        fc.constantFrom(
          'tools/list',
          'tools/call',
          'initialize',
          'ping',
          'resources/list',
          'prompts/get',
          'notifications/initialized',
          'logging/setLevel',
        ),
        fc.string({ maxLength: 40 }),
      );
      const params = fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.record({
          name: fc.oneof(fc.constantFrom('whoami', 'list_products', 'create_product', 'delete_product'), fc.string()),
          arguments: fc.jsonValue({ maxDepth: 2 }),
        }),
      );
      const message = fc.oneof(
        fc.record({ jsonrpc: fc.constant('2.0'), id, method, params }, { requiredKeys: ['jsonrpc', 'method'] }),
        fc.record(
          { jsonrpc: fc.oneof(fc.constant('1.0'), fc.integer(), fc.constant(null)), id, method: fc.oneof(method, fc.integer()), params },
          { requiredKeys: [] },
        ),
        fc.jsonValue({ maxDepth: 3 }),
      );
      const body = fc.oneof(
        message.map((value) => JSON.stringify(value)),
        fc.array(message, { maxLength: 6 }).map((batch) => JSON.stringify(batch)),
        fc.string({ maxLength: 200 }),
        fc
          .integer({ min: 100_000, max: 1_200_000 })
          .map((size) => JSON.stringify(rpc.callTool('create_product', { name: 'n'.repeat(size), price: 1 }))),
      );
      const seen = new Set<number>();
      await fc.assert(
        fc.asyncProperty(body, async (text) => {
          const response = await post(h.resourceUrl, text, { token: reader });
          const answer = await response.text();
          seen.add(response.status);
          expect(response.status).toBeLessThan(500);
          if (response.status === 202) return expect(answer).toBe('');
          if (response.status >= 400) {
            expect(response.status).not.toBe(401);
            if (response.status === 403)
              return expect(JSON.parse(answer)).toEqual(expect.objectContaining({ error: 'insufficient_scope' }));
            // A refusal about one request echoes its id (the 2026-07-28 ladder does); any other has none.
            const refusal = JSON.parse(answer);
            expect(refusal).toEqual(
              expect.objectContaining({ jsonrpc: '2.0', error: expect.objectContaining({ code: expect.any(Number) }) }),
            );
            return expect([null, echoableId(text)]).toContainEqual(refusal.id);
          }
          expect(response.status).toBe(200);
          for (const reply of [JSON.parse(answer)].flat()) {
            expect(reply.jsonrpc).toBe('2.0');
            expect('result' in reply !== 'error' in reply).toBe(true);
            if (reply.error) {
              expect(Number.isInteger(reply.error.code)).toBe(true);
              expect(typeof reply.error.message).toBe('string');
            }
          }
        }),
        runs(200),
      );
      expect([...seen].sort()).toEqual(expect.arrayContaining([200, 202, 400, 403, 413]));
    });

    it('refuses deeply nested JSON (legacy initialize capabilities, modern clientCapabilities and _meta, arguments, batches) with 400 and a JSON-RPC error before anything recurses over it, never 5xx', async () => {
      /** `depth` levels of objects or arrays, as JSON text. */
      const nest = (depth: number, arrays: boolean) =>
        arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const modernEnvelope = (capabilities: string, extra = '') =>
        `{"io.modelcontextprotocol/protocolVersion":"${MODERN}","io.modelcontextprotocol/clientCapabilities":${capabilities}${extra}}`;
      const places = {
        'legacy initialize capabilities': (deep: string) =>
          `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"experimental":${deep}},"clientInfo":{"name":"f","version":"1"}}}`,
        'modern clientCapabilities': (deep: string) =>
          `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":${modernEnvelope(`{"experimental":${deep}}`)}}}`,
        'modern _meta key of the caller': (deep: string) =>
          `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":${modernEnvelope('{}', `,"com.example/deep":${deep}`)}}}`,
        'tool arguments': (deep: string) =>
          `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{"deep":${deep}}}}`,
        'a batch': (deep: string) => `[${deep}]`,
      };
      const headersOf = (place: string): Record<string, string> =>
        place.startsWith('modern') ? { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' } : {};
      const deepBody = fc.record({
        place: fc.constantFrom(...(Object.keys(places) as Array<keyof typeof places>)),
        depth: fc.oneof(fc.integer({ min: 129, max: 2_000 }), fc.integer({ min: 50_000, max: 100_000 })),
        arrays: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(deepBody, async ({ place, depth, arrays }) => {
          const response = await post(h.resourceUrl, places[place](nest(depth, arrays)), { token: reader, headers: headersOf(place) });
          expect(response.status).toBe(400);
          const refusal = JSON.parse(await response.text());
          expect(refusal).toEqual(
            expect.objectContaining({
              jsonrpc: '2.0',
              id: null,
              error: expect.objectContaining({ code: -32600, message: expect.stringContaining('nested') }),
            }),
          );
        }),
        runs(40),
      );
      // Shallow enough, the same places are served: the bound is about depth, not about these fields.
      const shallow = await post(h.resourceUrl, places['modern clientCapabilities'](nest(64, false)), {
        token: reader,
        headers: headersOf('modern clientCapabilities'),
      });
      expect(shallow.status).toBe(200);
      await shallow.arrayBuffer();
    });
  });

  describe.each([
    { mode: 'stateless', stateless: 'true' },
    { mode: 'session', stateless: 'false' },
  ])('fuzzing the Host header ($mode mode)', ({ mode, stateless }) => {
    let h: Harness;

    beforeAll(async () => {
      h = await startHarness({ ...onPlatform, MCP_STATELESS: stateless });
    });
    afterAll(() => h?.close());

    it('answers a valid call under any Host header with the answer: the endpoint never builds a URL from the Host header', async () => {
      const reader = await h.token('demo-reader');
      const session: Record<string, string> = mode === 'session' ? { 'mcp-session-id': await openSession(h.resourceUrl, reader) } : {};
      await fc.assert(
        fc.asyncProperty(hostHeader, async (host) => {
          const answer = await nodePost(h.resourceUrl, JSON.stringify(rpc.callTool('whoami')), {
            host,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            authorization: `Bearer ${reader}`,
            ...session,
          });
          expect(answer.status).toBe(200);
          expect(JSON.parse(answer.text).result.structuredContent.sub).toBe('demo-reader');
        }),
        runs(120),
      );
    });
  });

  describe('fuzzing session ids (default mode)', () => {
    let h: Harness;
    let reader: string;

    beforeAll(async () => {
      h = await startHarness(onPlatform);
      reader = await h.token('demo-reader');
    });
    afterAll(() => h?.close());

    it('answers any Mcp-Session-Id it did not issue to this subject with 404 (or 400 when empty), on POST, GET and DELETE', async () => {
      const ownSession = await openSession(h.resourceUrl, reader);
      const sessionId = fc.oneof(
        headerText(80),
        fc.uuid(),
        fc.integer({ min: 1, max: 35 }).map((cut) => ownSession.slice(0, cut)),
        fc.constantFrom('*', '..', '%00', 'null', '0'),
      );
      await fc.assert(
        fc.asyncProperty(sessionId, fc.constantFrom('POST', 'GET', 'DELETE'), async (id, method) => {
          fc.pre(id.trim() !== ownSession);
          const response = await fetch(h.resourceUrl, {
            method,
            headers: {
              authorization: `Bearer ${reader}`,
              'mcp-session-id': id,
              accept: 'application/json, text/event-stream',
              'content-type': 'application/json',
              'mcp-protocol-version': '2025-11-25',
            },
            body: method === 'POST' ? JSON.stringify(rpc.listTools()) : undefined,
          });
          await response.arrayBuffer();
          expect(response.status).toBe(id.trim() === '' ? 400 : 404);
        }),
        runs(100),
      );
    });
  });
});

/** The id an error about this body may echo: a single request's string or number id. */
function echoableId(text: string): string | number | null {
  try {
    const body = JSON.parse(text);
    const id = typeof body === 'object' && body !== null && !Array.isArray(body) ? body.id : undefined;
    return typeof id === 'string' || typeof id === 'number' ? id : null;
  } catch {
    return null;
  }
}
