import type { McpAuditEvent } from 'nestjs-mcp-auth';
import { auditedRequest } from './support/audit-events.js';
import { openSession, post, rpc } from './support/harness.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Item 5: every authorization decision reaches the injected sink as a structured event, never with the token. */
describe('audit trail', () => {
  let h: LibraryApp;
  const events: McpAuditEvent[] = [];
  let sinkFails = false;
  const tokens: string[] = [];
  let reader: string;
  let admin: string;

  beforeAll(async () => {
    h = await startLibraryApp({
      auditSink: {
        record: (event) => {
          if (sinkFails) throw new Error('SIEM unreachable');
          events.push(event);
        },
      },
    });
    [reader, admin] = await Promise.all([h.token('demo-reader'), h.token('demo-admin')]);
    tokens.push(reader, admin);
  });
  afterAll(() => h?.close());

  /** The events a request produced. */
  const eventsOf = (request: () => Promise<Response>) => auditedRequest(events, request);

  it('records a request without a token as denied: missing_token, with the address and nothing about the caller', async () => {
    const { response, events: recorded } = await eventsOf(() => post(h.resourceUrl, rpc.listTools()));
    expect(response.status).toBe(401);
    expect(recorded).toEqual([
      { time: expect.stringMatching(ISO_TIME), action: 'authenticate', outcome: 'denied', reason: 'missing_token', ip: '127.0.0.1' },
    ]);
  });

  it('records a refused token with its rejection code (expired, wrong_audience, malformed, invalid_request)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, string]> = [
      [await h.forge(h.claims({ exp: now - 3600, iat: now - 7200 })), 'expired'],
      [await h.forge(h.claims({ aud: 'https://other.example/mcp' })), 'wrong_audience'],
      ['not.a.jwt', 'malformed'],
    ];
    for (const [token, reason] of cases) {
      tokens.push(token);
      const { response, events: recorded } = await eventsOf(() => post(h.resourceUrl, rpc.initialize(), { token }));
      expect(response.status).toBe(401);
      expect(recorded).toEqual([
        { time: expect.stringMatching(ISO_TIME), action: 'authenticate', outcome: 'denied', reason, ip: '127.0.0.1' },
      ]);
    }
    const { response, events: recorded } = await eventsOf(() =>
      post(h.resourceUrl, rpc.initialize(), { headers: { authorization: 'Basic abc' } }),
    );
    expect(response.status).toBe(400);
    expect(recorded).toEqual([
      { time: expect.stringMatching(ISO_TIME), action: 'authenticate', outcome: 'denied', reason: 'invalid_request', ip: '127.0.0.1' },
    ]);
  });

  it('records a listing with the tools the caller was shown', async () => {
    const sessionId = await openSession(h.resourceUrl, reader);
    const { response, events: recorded } = await eventsOf(() =>
      post(h.resourceUrl, rpc.listTools(), { token: reader, headers: { 'mcp-session-id': sessionId } }),
    );
    expect(response.status).toBe(200);
    expect(recorded).toEqual([
      {
        time: expect.stringMatching(ISO_TIME),
        action: 'tools/list',
        outcome: 'allowed',
        issuer: h.idp.issuer,
        subject: 'demo-reader',
        client: 'demo-reader',
        tools: ['list_products', 'whoami'],
        sessionId,
      },
    ]);
  });

  it('records an allowed call with the tool, and a denied call with the missing scopes', async () => {
    const sessionId = await openSession(h.resourceUrl, reader);
    const headers = { 'mcp-session-id': sessionId };
    const allowed = await eventsOf(() => post(h.resourceUrl, rpc.callTool('list_products'), { token: reader, headers }));
    expect(allowed.response.status).toBe(200);
    expect(allowed.events).toEqual([
      {
        time: expect.stringMatching(ISO_TIME),
        action: 'tools/call',
        outcome: 'allowed',
        issuer: h.idp.issuer,
        subject: 'demo-reader',
        client: 'demo-reader',
        tool: 'list_products',
        sessionId,
      },
    ]);

    const denied = await eventsOf(() => post(h.resourceUrl, rpc.callTool('delete_product', { id: 1 }), { token: reader, headers }));
    expect(denied.response.status).toBe(403);
    expect(denied.events).toEqual([
      {
        time: expect.stringMatching(ISO_TIME),
        action: 'tools/call',
        outcome: 'denied',
        reason: 'insufficient_scope',
        issuer: h.idp.issuer,
        subject: 'demo-reader',
        client: 'demo-reader',
        tool: 'delete_product',
        missingScopes: ['Admin.Write'],
        sessionId,
        ip: '127.0.0.1',
      },
    ]);
  });

  it('records each call of a batch on its own: the permitted one allowed, the forbidden one denied', async () => {
    const sessionId = await openSession(h.resourceUrl, reader);
    const batch = [rpc.callTool('list_products', {}, 10), rpc.callTool('delete_product', { id: 1 }, 11)];
    const { response, events: recorded } = await eventsOf(() =>
      post(h.resourceUrl, batch, { token: reader, headers: { 'mcp-session-id': sessionId } }),
    );
    expect(response.status).toBe(200);
    const who = { issuer: h.idp.issuer, subject: 'demo-reader', client: 'demo-reader' };
    expect(recorded).toEqual(
      expect.arrayContaining([
        { time: expect.stringMatching(ISO_TIME), action: 'tools/call', outcome: 'allowed', ...who, tool: 'list_products', sessionId },
        {
          time: expect.stringMatching(ISO_TIME),
          action: 'tools/call',
          outcome: 'denied',
          reason: 'insufficient_scope',
          ...who,
          tool: 'delete_product',
          missingScopes: ['Admin.Write'],
          sessionId,
        },
      ]),
    );
    expect(recorded).toHaveLength(2);
  });

  it("records another subject's attempt on a session as denied: session_not_owned", async () => {
    const sessionId = await openSession(h.resourceUrl, reader);
    const { response, events: recorded } = await eventsOf(() =>
      post(h.resourceUrl, rpc.listTools(), { token: admin, headers: { 'mcp-session-id': sessionId } }),
    );
    expect(response.status).toBe(404);
    expect(recorded).toEqual([
      {
        time: expect.stringMatching(ISO_TIME),
        action: 'session',
        outcome: 'denied',
        reason: 'session_not_owned',
        issuer: h.idp.issuer,
        subject: 'demo-admin',
        client: 'demo-admin',
        sessionId,
        ip: '127.0.0.1',
      },
    ]);
  });

  it('records resource reads and prompt requests like tool calls: refused before dispatch, allowed in the handler', async () => {
    const sessionId = await openSession(h.resourceUrl, reader);
    const headers = { 'mcp-session-id': sessionId };
    const denied = await eventsOf(() => post(h.resourceUrl, rpc.getPrompt('product_description', { id: '1' }), { token: reader, headers }));
    expect(denied.response.status).toBe(403);
    expect(denied.events).toEqual([
      expect.objectContaining({
        action: 'prompts/get',
        outcome: 'denied',
        reason: 'insufficient_scope',
        prompt: 'product_description',
        missingScopes: ['User.Write'],
        subject: 'demo-reader',
      }),
    ]);
    const allowed = await eventsOf(() => post(h.resourceUrl, rpc.readResource('products://catalog'), { token: reader, headers }));
    expect(allowed.response.status).toBe(200);
    expect(allowed.events).toEqual([
      expect.objectContaining({ action: 'resources/read', outcome: 'allowed', resource: 'products://catalog', sessionId }),
    ]);
  });

  it('never puts a token in an event', () => {
    const all = JSON.stringify(events);
    expect(events.length).toBeGreaterThan(8);
    for (const token of tokens) expect(all).not.toContain(token);
  });

  it('keeps serving when the sink throws', async () => {
    sinkFails = true;
    try {
      const sessionId = await openSession(h.resourceUrl, reader);
      const response = await post(h.resourceUrl, rpc.callTool('whoami'), { token: reader, headers: { 'mcp-session-id': sessionId } });
      expect(response.status).toBe(200);
      expect(((await response.json()) as any).result.structuredContent.sub).toBe('demo-reader');
    } finally {
      sinkFails = false;
    }
  });
});

describe('audit trail of rate limits', () => {
  let h: LibraryApp;
  const events: McpAuditEvent[] = [];

  beforeAll(async () => {
    h = await startLibraryApp({
      stateless: true,
      rateLimit: { perPrincipal: { limit: 1, ttlMs: 60_000 }, unauthenticatedPerIp: { limit: 1, ttlMs: 60_000 } },
      auditSink: { record: (event) => void events.push(event) },
    });
  });
  afterAll(() => h?.close());

  it('records a principal over its limit, then an address over its failure budget, as denied: rate_limited', async () => {
    const reader = await h.token('demo-reader');
    expect((await post(h.resourceUrl, rpc.callTool('whoami'), { token: reader })).status).toBe(200);
    expect((await post(h.resourceUrl, rpc.callTool('whoami'), { token: reader })).status).toBe(429);
    expect(events.at(-1)).toEqual({
      time: expect.stringMatching(ISO_TIME),
      action: 'rate_limit',
      outcome: 'denied',
      issuer: h.idp.issuer,
      subject: 'demo-reader',
      client: 'demo-reader',
      reason: 'rate_limited',
      ip: '127.0.0.1',
    });

    // Requests without a credential spend no budget (L3); one refused token uses up this budget of 1.
    for (let i = 0; i < 2; i++) expect((await post(h.resourceUrl, rpc.listTools())).status).toBe(401);
    expect((await post(h.resourceUrl, rpc.listTools(), { token: 'not.a.token' })).status).toBe(401);
    const before = events.length;
    expect((await post(h.resourceUrl, rpc.listTools(), { token: reader })).status).toBe(429);
    expect(events.slice(before)).toEqual([
      { time: expect.stringMatching(ISO_TIME), action: 'rate_limit', outcome: 'denied', reason: 'rate_limited', ip: '127.0.0.1' },
    ]);
  });
});
