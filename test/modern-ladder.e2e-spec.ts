import { envelope, modernCall, modernHeaders } from './support/modern.js';
import { parseChallenge, post, postInMode, rpc, startHarness } from './support/harness.js';
import type { Harness } from './support/harness.js';
import { describeOnPlatforms } from './support/platforms.js';

type JsonRpcAnswer = { jsonrpc: string; id: unknown; result?: any; error?: { code: number; message: string; data?: any } };

/** A raw 2026-07-28 request: the envelope in the body, the standard headers, and any header a case changes. */
function modern(method: string, params: Record<string, unknown> = {}, id: number | string = 1) {
  return { jsonrpc: '2.0', id, method, params: { ...params, _meta: envelope() } };
}

describeOnPlatforms('2026-07-28 request ladder', (_platform, onPlatform) => {
  /**
   * Raw HTTP for every row of the 2026-07-28 request ladder, as the endpoint answers it
   * with authentication in front: the ladder is the SDK's, the order (401 first) ours.
   */
  describe.each([
    { mode: 'session', stateless: 'false' },
    { mode: 'stateless', stateless: 'true' },
  ])('the 2026-07-28 request ladder ($mode mode)', ({ mode, stateless }) => {
    let h: Harness;
    let reader: string;

    beforeAll(async () => {
      h = await startHarness({ ...onPlatform, MCP_STATELESS: stateless });
      reader = await h.token('demo-reader');
    });
    afterAll(() => h?.close());

    async function send(body: unknown, headers: Record<string, string>, token: string | undefined = reader) {
      const response = await post(h.resourceUrl, body, { token, headers });
      return { response, body: (await response.json()) as JsonRpcAnswer };
    }

    it('answers server/discover with the modern revision and the capabilities', async () => {
      const { response, body } = await send(modern('server/discover', {}, 'd-1'), modernHeaders('server/discover'));
      expect(response.status).toBe(200);
      expect(response.headers.get('mcp-session-id')).toBeNull();
      expect(body.id).toBe('d-1');
      expect(body.result.supportedVersions).toContain('2026-07-28');
      expect(body.result.capabilities).toMatchObject({ tools: {}, resources: {}, prompts: {} });
      expect(body.result.resultType).toBe('complete');
    });

    it('answers tools/call with resultType, and a scope-filtered list as cacheScope "private"', async () => {
      const call = await send(modernCall('whoami', 2), modernHeaders('tools/call', 'whoami'));
      expect(call.response.status).toBe(200);
      expect(call.body.result).toMatchObject({ resultType: 'complete', structuredContent: { sub: 'demo-reader' } });
      const list = await send(modern('tools/list', {}, 3), modernHeaders('tools/list'));
      expect(list.body.result.tools.map((tool: { name: string }) => tool.name).sort()).toEqual(['list_products', 'whoami']);
      expect(list.body.result).toMatchObject({ resultType: 'complete', cacheScope: 'private', ttlMs: 0 });
      const resources = await send(modern('resources/list', {}, 4), modernHeaders('resources/list'));
      expect(resources.body.result).toMatchObject({ cacheScope: 'private' });
      const prompts = await send(modern('prompts/list', {}, 5), modernHeaders('prompts/list'));
      expect(prompts.body.result).toMatchObject({ prompts: [], cacheScope: 'private' });
    });

    it('400 -32020 when Mcp-Method is missing or disagrees with the body, echoing the id', async () => {
      const missing = await send(modernCall('whoami', 11), { 'mcp-protocol-version': '2026-07-28', 'mcp-name': 'whoami' });
      expect(missing.response.status).toBe(400);
      expect(missing.body).toMatchObject({ id: 11, error: { code: -32020 } });
      const other = await send(modernCall('whoami', 12), modernHeaders('tools/list', 'whoami'));
      expect(other.response.status).toBe(400);
      expect(other.body).toMatchObject({ id: 12, error: { code: -32020 } });
    });

    it('400 -32020 when Mcp-Name is missing or names another tool, echoing the id', async () => {
      const missing = await send(modernCall('whoami', 13), modernHeaders('tools/call'));
      expect(missing.response.status).toBe(400);
      expect(missing.body).toMatchObject({ id: 13, error: { code: -32020 } });
      const other = await send(modernCall('whoami', 14), modernHeaders('tools/call', 'list_products'));
      expect(other.response.status).toBe(400);
      expect(other.body).toMatchObject({ id: 14, error: { code: -32020 } });
    });

    it('400 -32022 with the supported revisions for a revision the server does not serve', async () => {
      const body = { ...modernCall('whoami', 15) };
      body.params._meta = { ...envelope(), 'io.modelcontextprotocol/protocolVersion': '2099-01-01' };
      const { response, body: answer } = await send(body, {
        ...modernHeaders('tools/call', 'whoami'),
        'mcp-protocol-version': '2099-01-01',
      });
      expect(response.status).toBe(400);
      expect(answer).toMatchObject({ id: 15, error: { code: -32022, data: { supported: expect.arrayContaining(['2026-07-28']) } } });
    });

    it('400 -32602 for an envelope missing a required field, and for a modern header without an envelope', async () => {
      const body = modernCall('whoami', 16);
      delete (body.params._meta as Record<string, unknown>)['io.modelcontextprotocol/clientCapabilities'];
      const incomplete = await send(body, modernHeaders('tools/call', 'whoami'));
      expect(incomplete.response.status).toBe(400);
      expect(incomplete.body).toMatchObject({ id: 16, error: { code: -32602 } });
      const bare = await send(rpc.callTool('whoami', {}, 17), modernHeaders('tools/call', 'whoami'));
      expect(bare.response.status).toBe(400);
      expect(bare.body).toMatchObject({ id: 17, error: { code: -32602 } });
    });

    it('-32602 in the answer for params of the wrong shape, as on the 2025 revisions', async () => {
      const { response, body } = await send(modern('resources/read', {}, 26), modernHeaders('resources/read', 'x'));
      expect([response.status, body.id, body.error?.code]).toEqual([200, 26, -32602]);
    });

    it('404 -32601 for an unknown or removed method, echoing the id', async () => {
      const unknown = await send(modern('tools/frobnicate', {}, 18), modernHeaders('tools/frobnicate'));
      expect(unknown.response.status).toBe(404);
      expect(unknown.body).toMatchObject({ id: 18, error: { code: -32601 } });
      const removed = await send(modern('ping', {}, 19), modernHeaders('ping'));
      expect(removed.response.status).toBe(404);
      expect(removed.body).toMatchObject({ id: 19, error: { code: -32601 } });
    });

    it('unlike the 2025 revisions, which answer an unknown method in-band (200, -32601)', async () => {
      const response = await postInMode(mode === 'session' ? 'session' : 'stateless', h.resourceUrl, reader, {
        jsonrpc: '2.0',
        id: 27,
        method: 'tools/frobnicate',
        params: {},
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ id: 27, error: { code: -32601 } });
    });

    it('answers an unknown tool, resource or prompt with -32602 naming it, as revision 2026-07-28 says', async () => {
      const tool = await send(modernCall('no_such_tool', 20), modernHeaders('tools/call', 'no_such_tool'));
      expect(tool.response.status).toBe(200);
      expect(tool.body).toMatchObject({ id: 20, error: { code: -32602, message: 'Unknown tool: no_such_tool' } });
      const resource = await send(
        modern('resources/read', { uri: 'products://nothing' }, 21),
        modernHeaders('resources/read', 'products://nothing'),
      );
      expect(resource.body).toMatchObject({ id: 21, error: { code: -32602, data: { uri: 'products://nothing' } } });
      const prompt = await send(modern('prompts/get', { name: 'nothing' }, 22), modernHeaders('prompts/get', 'nothing'));
      expect(prompt.body).toMatchObject({ id: 22, error: { code: -32602, message: 'Unknown prompt: nothing' } });
    });

    it('401 with resource_metadata before any MCP validation: a token-less request with bad headers and envelope', async () => {
      const body = modernCall('whoami', 23);
      delete (body.params._meta as Record<string, unknown>)['io.modelcontextprotocol/clientCapabilities'];
      const response = await post(h.resourceUrl, body, { headers: { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' } });
      expect(response.status).toBe(401);
      const { params } = parseChallenge(response.headers.get('www-authenticate'));
      expect(params.resource_metadata).toBe(h.metadataUrl);
      expect(params.error).toBeUndefined();
      const probe = await post(h.resourceUrl, modern('server/discover'), { headers: modernHeaders('server/discover') });
      expect(probe.status).toBe(401);
    });

    it('403 insufficient_scope before dispatch on a modern tools/call, naming the scope, never offline_access', async () => {
      const response = await post(h.resourceUrl, modernCall('delete_product', 24, { id: 1 }), {
        token: reader,
        headers: modernHeaders('tools/call', 'delete_product'),
      });
      expect(response.status).toBe(403);
      const { params } = parseChallenge(response.headers.get('www-authenticate'));
      expect(params).toMatchObject({ error: 'insufficient_scope', scope: 'Admin.Write', resource_metadata: h.metadataUrl });
      expect(response.headers.get('mcp-session-id')).toBeNull();
    });

    it('never sends Mcp-Session-Id on a modern answer, even when the request carried one', async () => {
      const { response, body } = await send(modernCall('whoami', 25), {
        ...modernHeaders('tools/call', 'whoami'),
        'mcp-session-id': 'made-up',
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('mcp-session-id')).toBeNull();
      expect(body.result.structuredContent.sub).toBe('demo-reader');
    });
  });

  describe('the 403 challenge on a modern request accounts for the scope hierarchy', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({
        ...onPlatform,
        MCP_SCOPE_HIERARCHY: JSON.stringify({ 'Admin.Write': ['User.Write'], 'User.Write': ['User.Read'] }),
      });
    });
    afterAll(() => h?.close());

    it('names the one scope that covers what the prompt needs, and lets a broader scope through', async () => {
      const reader = await h.token('demo-reader');
      const refused = await post(h.resourceUrl, modern('prompts/get', { name: 'product_description', arguments: { id: '1' } }, 1), {
        token: reader,
        headers: modernHeaders('prompts/get', 'product_description'),
      });
      expect(refused.status).toBe(403);
      expect(parseChallenge(refused.headers.get('www-authenticate')).params.scope).toBe('User.Write');
      const admin = await h.token('demo-admin', 'Admin.Write');
      const allowed = await post(h.resourceUrl, modern('prompts/get', { name: 'product_description', arguments: { id: '1' } }, 2), {
        token: admin,
        headers: modernHeaders('prompts/get', 'product_description'),
      });
      expect(allowed.status).toBe(200);
      expect(((await allowed.json()) as JsonRpcAnswer).result.messages).toHaveLength(1);
    });
  });

  describe('protocol: modern (MCP_PROTOCOL=modern)', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ ...onPlatform, MCP_PROTOCOL: 'modern' });
    });
    afterAll(() => h?.close());

    it('answers a 2025 initialize as a modern-only server: 400 -32022 naming the supported revision', async () => {
      const response = await post(h.resourceUrl, rpc.initialize(7), { token: await h.token('demo-reader') });
      expect(response.status).toBe(400);
      expect(response.headers.get('mcp-session-id')).toBeNull();
      expect(await response.json()).toMatchObject({
        id: 7,
        error: { code: -32022, data: { supported: ['2026-07-28'], requested: '2025-11-25' } },
      });
    });

    it('serves modern requests, and has no GET stream', async () => {
      const token = await h.token('demo-reader');
      const call = await post(h.resourceUrl, modernCall('whoami', 8), { token, headers: modernHeaders('tools/call', 'whoami') });
      expect(call.status).toBe(200);
      const stream = await fetch(h.resourceUrl, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
      expect(stream.status).toBe(405);
    });
  });

  describe('protocol: legacy (MCP_PROTOCOL=legacy)', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ ...onPlatform, MCP_PROTOCOL: 'legacy' });
    });
    afterAll(() => h?.close());

    it('serves the 2025 handshake with a session, and answers a modern probe as a 2025 server does', async () => {
      const token = await h.token('demo-reader');
      const initialize = await post(h.resourceUrl, rpc.initialize(), { token });
      expect(initialize.status).toBe(200);
      expect(initialize.headers.get('mcp-session-id')).toMatch(/^[0-9a-f-]{36}$/);
      const probe = await post(h.resourceUrl, modern('server/discover'), { token, headers: modernHeaders('server/discover') });
      expect(probe.status).toBe(400);
      expect(((await probe.json()) as JsonRpcAnswer).error?.message).toMatch(/Mcp-Session-Id header is required/);
    });
  });

  describe('CORS preflight for the 2026-07-28 headers', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ ...onPlatform, MCP_ALLOWED_ORIGINS: 'https://app.example' });
    });
    afterAll(() => h?.close());

    it('allows Mcp-Method, Mcp-Name, MCP-Protocol-Version and echoes the Mcp-Param-* names asked for', async () => {
      const response = await fetch(h.resourceUrl, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers':
            'authorization, content-type, mcp-method, mcp-name, mcp-protocol-version, mcp-param-region, x-other',
        },
      });
      expect(response.status).toBe(204);
      const allowed = response.headers.get('access-control-allow-headers')!.toLowerCase().split(', ');
      expect(allowed).toEqual(
        expect.arrayContaining([
          'authorization',
          'content-type',
          'mcp-method',
          'mcp-name',
          'mcp-protocol-version',
          'mcp-session-id',
          'mcp-param-region',
        ]),
      );
      expect(allowed).not.toContain('x-other');
      expect(response.headers.get('access-control-expose-headers')).toBe(
        'WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version, DPoP-Nonce',
      );
    });
  });
});
