import { parseChallenge, post, rpc, startHarness } from './support/harness.js';
import type { Harness } from './support/harness.js';

/**
 * What only Fastify could change: it parses a body before the route's handler (and so
 * before the guards) and would answer 415, 400 and 413 itself. On the MCP endpoint the
 * body is the module's: a caller without a token gets the 401 challenge whatever its
 * body, and one with a token gets the module's own answers and limits.
 */
describe('Fastify: the MCP endpoint reads its own body', () => {
  let h: Harness;
  let reader: string;

  beforeAll(async () => {
    h = await startHarness({ MCP_EXAMPLE_PLATFORM: 'fastify', MCP_MAX_BODY_BYTES: '2048' });
    reader = await h.token('demo-reader');
  });
  afterAll(() => h?.close());

  it.each([
    ['a content type Fastify has no parser for', { 'content-type': 'text/x-unknown' }, JSON.stringify(rpc.initialize())],
    ['an unparseable content type', { 'content-type': '///' }, JSON.stringify(rpc.initialize())],
    ['broken JSON', {}, '{"jsonrpc": "2.0", "id": 1,'],
    ['an empty JSON body', {}, ''],
    ['a body over both limits', {}, JSON.stringify({ ...rpc.initialize(), pad: 'x'.repeat(2_000_000) })],
  ])('without a token, %s gets the 401 challenge', async (_case, headers, body) => {
    const response = await post(h.resourceUrl, body, { headers });
    expect(response.status).toBe(401);
    expect(parseChallenge(response.headers.get('www-authenticate')).params.resource_metadata).toBe(h.metadataUrl);
    await response.text();
  });

  it('with a token, a wrong content type gets our 415', async () => {
    const response = await post(h.resourceUrl, JSON.stringify(rpc.initialize()), {
      token: reader,
      headers: { 'content-type': 'text/plain' },
    });
    expect(response.status).toBe(415);
    expect(((await response.json()) as any).error.message).toBe('Unsupported Media Type: Content-Type must be application/json');
  });

  it('with a token, broken JSON gets our JSON-RPC parse error', async () => {
    const response = await post(h.resourceUrl, '{"jsonrpc": "2.0", "id": 1,', { token: reader });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: Invalid JSON' }, id: null });
  });

  it('with a token, maxRequestBodyBytes (not Fastify bodyLimit) sets the 413', async () => {
    const response = await post(h.resourceUrl, { ...rpc.initialize(), pad: 'x'.repeat(3_000) }, { token: reader });
    expect(response.status).toBe(413);
    expect(((await response.json()) as any).error.message).toBe('Request body larger than 2048 bytes');
  });

  it('with a token, an initialize within maxRequestBodyBytes is served', async () => {
    const response = await post(h.resourceUrl, rpc.initialize(), { token: reader });
    expect(response.status).toBe(200);
    expect(response.headers.get('mcp-session-id')).toMatch(/^[0-9a-f-]{36}$/);
    await response.text();
  });
});
