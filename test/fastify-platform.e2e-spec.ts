import 'reflect-metadata';
import { Body, Controller, Module, Post } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { McpAuthModule } from 'nestjs-mcp-auth';
import type { McpAuditEvent } from 'nestjs-mcp-auth';
import { connectMcpClient } from 'nestjs-mcp-auth/testing';
import { IdentityModule } from '../src/identity/identity.module.js';
import { ProductsModule } from '../src/products/products.module.js';
import { StoreModule } from '../src/store/store.module.js';
import { McpEndpoint } from '../libs/mcp-auth/src/transport/mcp-endpoint.js';
import { freePort, parseChallenge, post, rpc, startHarness, startTestIdentity, toolNames } from './support/harness.js';
import type { Harness, TestIdentity } from './support/harness.js';
import { describeOnPlatforms } from './support/platforms.js';

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

  it('sends no X-Powered-By, on the endpoint, the metadata and elsewhere', async () => {
    for (const answer of [await post(h.resourceUrl, rpc.initialize()), await fetch(h.metadataUrl), await fetch(`${h.baseUrl}/elsewhere`)]) {
      expect(answer.headers.get('x-powered-by')).toBeNull();
      await answer.text();
    }
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

/**
 * An application of its own on Fastify: its other routes keep Fastify's JSON parsing and
 * `bodyLimit`, while the MCP endpoint keeps `maxRequestBodyBytes`; Fastify's `trustProxy`
 * decides the client address, as `trust proxy` does on Express.
 */
describe('Fastify: the application keeps its own parsing, body limit and proxy setting', () => {
  const events: McpAuditEvent[] = [];
  let identity: TestIdentity;
  let app: INestApplication;
  let baseUrl: string;
  let resourceUrl: string;

  @Controller('echo')
  class EchoController {
    @Post()
    echo(@Body() body: unknown): unknown {
      return { received: body };
    }
  }

  beforeAll(async () => {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    resourceUrl = `${baseUrl}/mcp`;
    identity = await startTestIdentity(resourceUrl);

    @Module({
      imports: [
        McpAuthModule.forRoot({
          issuer: identity.idp.issuer,
          resourceUrl,
          server: { name: 'test', version: '1.0.0' },
          maxRequestBodyBytes: 4096,
          auditSink: { record: (event) => void events.push(event) },
        }),
      ],
      controllers: [EchoController],
    })
    class FastifyAppModule {}

    app = await NestFactory.create(FastifyAppModule, new FastifyAdapter({ bodyLimit: 1024, trustProxy: true }), { logger: ['error'] });
    await app.listen(port, '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await identity?.idp.close();
  });

  function echo(body: string): Promise<Response> {
    return fetch(`${baseUrl}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  }

  it('runs on Fastify', () => {
    expect(app.getHttpAdapter().getType()).toBe('fastify');
  });

  it("parses the application's own JSON routes as Fastify does", async () => {
    const response = await echo(JSON.stringify({ hello: 'world' }));
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ received: { hello: 'world' } });
  });

  it("answers broken JSON on the application's own routes with its own 400, not a JSON-RPC error", async () => {
    const response = await echo('{"hello":');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { jsonrpc?: string }).jsonrpc).toBeUndefined();
  });

  it("keeps Fastify's bodyLimit on the application's own routes", async () => {
    const response = await echo(JSON.stringify({ pad: 'x'.repeat(2_000) }));
    expect(response.status).toBe(413);
    await response.text();
  });

  it('lets the MCP endpoint take a body over bodyLimit and within maxRequestBodyBytes', async () => {
    const token = await identity.idp.token('demo-reader');
    // About 1.6 KB: over bodyLimit, and within what an initialize's params may take (2 KB).
    const initialize = rpc.initialize();
    const body = JSON.stringify({
      ...initialize,
      params: { ...initialize.params, clientInfo: { name: 'x'.repeat(1_500), version: '1.0.0' } },
    });
    expect(Buffer.byteLength(body)).toBeGreaterThan(1024);
    const response = await post(resourceUrl, body, { token });
    expect(response.status).toBe(200);
    expect(response.headers.get('mcp-session-id')).toBeTruthy();
    await response.text();
  });

  it("takes the client address from X-Forwarded-For under Fastify's trustProxy", async () => {
    const before = events.length;
    const response = await post(resourceUrl, rpc.initialize(), { token: 'not-a-token', headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(response.status).toBe(401);
    await response.text();
    expect(events.slice(before)).toEqual([expect.objectContaining({ outcome: 'denied', ip: '203.0.113.7' })]);
  });
});

/** The testing kit on Fastify: an application only `init()`ed, as `Test.createTestingModule` leaves it, reached by the SDK client. */
describe('Fastify: connectMcpClient on a testing module', () => {
  let identity: TestIdentity;
  let app: INestApplication;
  let resourceUrl: string;

  beforeAll(async () => {
    resourceUrl = `http://127.0.0.1:${await freePort()}/mcp`;
    identity = await startTestIdentity(resourceUrl);
    const moduleRef = await Test.createTestingModule({
      imports: [
        McpAuthModule.forRoot({ issuer: identity.idp.issuer, resourceUrl, server: { name: 'test', version: '1.0.0' } }),
        StoreModule.register(':memory:'),
        ProductsModule,
        IdentityModule,
      ],
    }).compile();
    app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: ['error'] });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await identity?.idp.close();
  });

  it("lists and calls the reader's tools", async () => {
    const client = await connectMcpClient(app, await identity.idp.token('demo-reader'));
    try {
      expect(await toolNames(client)).toContain('list_products');
      const result = await client.callTool({ name: 'list_products', arguments: {} });
      expect(result.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });
});

/**
 * A failure inside the endpoint that no filter answers (a bug, not a refusal): Fastify's
 * reply is already taken over when the handler runs, so Nest's own 500 could not be
 * sent there; the endpoint answers a JSON-RPC internal error itself, on both platforms.
 */
describeOnPlatforms('a failure inside the endpoint', (platform) => {
  let identity: TestIdentity;
  let app: INestApplication;
  let resourceUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    resourceUrl = `http://127.0.0.1:${port}/mcp`;
    identity = await startTestIdentity(resourceUrl);
    const failing = () => Promise.reject(new Error('a bug in the endpoint'));
    const moduleRef = await Test.createTestingModule({
      imports: [McpAuthModule.forRoot({ issuer: identity.idp.issuer, resourceUrl, server: { name: 'test', version: '1.0.0' } })],
    })
      .overrideProvider(McpEndpoint)
      .useValue({ post: failing, get: failing, delete: failing, onModuleDestroy: () => undefined })
      .compile();
    app =
      platform === 'fastify'
        ? moduleRef.createNestApplication(new FastifyAdapter(), { logger: false })
        : moduleRef.createNestApplication({ bodyParser: false, logger: false });
    await app.listen(port, '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await identity?.idp.close();
  });

  it.each(['POST', 'GET', 'DELETE'])('answers %s with a JSON-RPC internal error (500)', async (method) => {
    const token = await identity.idp.token('demo-reader');
    const response = await fetch(resourceUrl, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: method === 'POST' ? JSON.stringify(rpc.initialize()) : undefined,
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null });
  });
});
