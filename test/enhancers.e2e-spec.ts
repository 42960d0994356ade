import { Logger } from '@nestjs/common';
import type { LoggerService } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { McpMetrics } from 'nestjs-mcp-auth';
import type { McpAuditEvent } from 'nestjs-mcp-auth';
import { connectMcpClient } from 'nestjs-mcp-auth/testing';
import {
  CallLog,
  EnhancedCatalogue,
  GlobalGuard,
  GlobalInterceptor,
  GlobalPipe,
  GlobalTeapotFilter,
  HttpOnlyExceptionFilter,
  HttpOnlyGuard,
  RequestScopedProvider,
  RequestScopedTools,
  RequestScopedTrace,
  StandardSchemaTools,
} from './support/enhancers.js';
import { openSession, parseChallenge, post } from './support/harness.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { MODERN, envelope, modernHeaders } from './support/modern.js';
import { describeOnPlatforms } from './support/platforms.js';
import { parseExposition, valueOf } from './support/prometheus.js';

type Era = 'modern' | 'legacy';
const ERAS: Era[] = ['modern', 'legacy'];

/** What the JSON-RPC answer to one request says. */
interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: {
    result?: {
      structuredContent?: Record<string, unknown>;
      isError?: boolean;
      content?: Array<{ type: string; text: string }>;
      contents?: Array<{ uri: string; text: string }>;
      messages?: Array<{ role: string; content: { type: string; text: string } }>;
    };
    error?: { code: number; message: string; data?: unknown };
  };
}

/** Lines an application logger received at `error` level. */
class CapturingLogger implements LoggerService {
  readonly errors: string[] = [];
  log(): void {}
  warn(): void {}
  debug(): void {}
  verbose(): void {}
  error(message: unknown, ...rest: unknown[]): void {
    this.errors.push([message, ...rest].map((part) => (part instanceof Error ? `${part.message}\n${part.stack}` : String(part))).join(' '));
  }
}

describeOnPlatforms("the application's guards, interceptors, pipes and filters on MCP calls", (platform) => {
  let h: LibraryApp;
  let log: CallLog;
  let token: string;
  const events: McpAuditEvent[] = [];
  const logger = new CapturingLogger();
  /** One legacy session for the reader, opened on first use. */
  let session: string | undefined;

  beforeAll(async () => {
    h = await startLibraryApp(
      { auditSink: { record: (event) => void events.push(event) }, metrics: {} },
      [
        CallLog,
        EnhancedCatalogue,
        StandardSchemaTools,
        RequestScopedTrace,
        RequestScopedTools,
        RequestScopedProvider,
        { provide: APP_GUARD, useClass: GlobalGuard },
        { provide: APP_GUARD, useClass: HttpOnlyGuard },
        { provide: APP_PIPE, useClass: GlobalPipe },
        // Registered first, so checked last: Nest tries the most recently registered global filter first.
        { provide: APP_FILTER, useClass: HttpOnlyExceptionFilter },
        { provide: APP_FILTER, useClass: GlobalTeapotFilter },
      ],
      platform,
      {
        configure: (app) => {
          // The other global kind the way an application also declares them: useGlobal*().
          app.useGlobalInterceptors(new GlobalInterceptor(app.get(CallLog)));
          app.useLogger(logger);
        },
      },
    );
    log = h.app.get(CallLog);
    token = await h.token('demo-reader');
  });

  afterAll(async () => {
    await h?.close();
    Logger.overrideLogger(['error']);
  });

  beforeEach(() => log.reset());

  /** Sends one request the way a client of `era` does: 2026-07-28 with its envelope, 2025 on the reader's session. */
  async function send(era: Era, method: string, params: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> {
    const name = String(params.name ?? params.uri);
    let response: Response;
    if (era === 'modern') {
      const body = { jsonrpc: '2.0', id: 7, method, params: { ...params, _meta: envelope() } };
      response = await post(h.resourceUrl, body, { token, headers: { ...modernHeaders(method, name), ...headers } });
    } else {
      session ??= await openSession(h.resourceUrl, token);
      const body = { jsonrpc: '2.0', id: 7, method, params };
      response = await post(h.resourceUrl, body, { token, headers: { 'mcp-session-id': session, ...headers } });
    }
    return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
  }

  const callTool = (era: Era, name: string, args: Record<string, unknown>, headers?: Record<string, string>) =>
    send(era, 'tools/call', { name, arguments: args }, headers);
  const readResource = (era: Era, uri: string) => send(era, 'resources/read', { uri });
  const getPrompt = (era: Era, topic: string) => send(era, 'prompts/get', { name: 'enhanced_prompt', arguments: { topic } });

  /** The order every operation runs in: guards, interceptors, pipes, the method, interceptors on the way back. */
  const FULL_ORDER = [
    'guard:global',
    'guard:class',
    'guard:method',
    'before:global',
    'before:class',
    'before:method',
    'pipe:global',
    'pipe:class',
    'pipe:method',
    'pipe:param',
    'method',
    'after:method',
    'after:class',
    'after:global',
  ];
  const PIPED = '|global|class|method|param';

  describe.each(ERAS)('%s requests', (era) => {
    it('runs global, class and method guards, interceptors and pipes around a tool call, in order, with the parameter decorators', async () => {
      const { status, body } = await callTool(era, 'enhanced_echo', { text: 'hi' });
      expect(status).toBe(200);
      expect(log.steps).toEqual(FULL_ORDER);
      expect(body.result?.structuredContent).toEqual({
        text: `hi${PIPED}`,
        subject: 'demo-reader',
        client: 'client:demo-reader',
        via: ['method', 'class', 'global'],
      });
      expect(log.durations).toHaveLength(1);
      expect(log.durations[0]).toBeGreaterThanOrEqual(0);
    });

    it('runs them around a resource read, the template variables as @McpArgs()', async () => {
      const { body } = await readResource(era, 'enhanced://items/7');
      expect(log.steps).toEqual(FULL_ORDER);
      expect(body.result?.contents?.[0].uri).toBe('enhanced://items/7');
      expect(JSON.parse(body.result!.contents![0].text)).toEqual({
        id: `7${PIPED}`,
        uri: 'enhanced://items/7',
        via: ['method', 'class', 'global'],
      });
    });

    it('runs them around a prompt, @McpPrincipal() injecting the caller', async () => {
      const { body } = await getPrompt(era, 'tea');
      expect(log.steps).toEqual(FULL_ORDER);
      expect(body.result?.messages).toEqual([{ role: 'user', content: { type: 'text', text: `Write about tea${PIPED} for demo-reader` } }]);
    });

    it("gives enhancers the 'mcp' context: McpExecutionContext.from(context) reads the call", async () => {
      await callTool(era, 'enhanced_echo', { text: 'fields' }, { 'x-trace': 'trace-1' });
      const [call] = log.calls;
      expect(call.principal.sub).toBe('demo-reader');
      expect(call.operation).toEqual({ kind: 'tool', name: 'enhanced_echo' });
      expect(call.arguments).toEqual({ text: 'fields' });
      expect(call.era).toBe(era);
      expect(call.protocolVersion).toBe(era === 'modern' ? MODERN : '2025-11-25');
      expect(call.sessionId).toBe(era === 'modern' ? undefined : session);
      expect(call.signal).toBeInstanceOf(AbortSignal);
      expect(call.signal.aborted).toBe(false);
      expect(call.context).toBe(log.contexts[0]);
      expect(call.context.principal).toBe(call.principal);
      expect(call.request?.headers['x-trace']).toBe('trace-1');
      expect(call.request?.headers.authorization).toMatch(/^Bearer /);
    });

    it("keeps the (args, context) signature for a method without parameter decorators, and serves an Observable's value", async () => {
      const plain = await callTool(era, 'enhanced_plain', { text: 'plain' });
      expect(plain.body.result?.structuredContent).toEqual({
        text: 'plain',
        sub: 'demo-reader',
        operation: { kind: 'tool', name: 'enhanced_plain' },
        via: ['class', 'global'],
      });
      // No decorated parameter: nothing for pipes to act on.
      expect(log.steps).toEqual(['guard:global', 'guard:class', 'before:global', 'before:class', 'method', 'after:class', 'after:global']);
      const observed = await callTool(era, 'enhanced_observable', {});
      expect(observed.body.result?.structuredContent).toEqual({ observed: true, args: {}, via: ['class', 'global'] });
    });

    it.each([
      ['tool', () => callTool(era, 'enhanced_echo', { text: 'deny:method' }), { tool: 'enhanced_echo' }, 'tools/call'],
      ['resource', () => readResource(era, 'enhanced://items/deny:method'), { resource: 'enhanced://items/deny:method' }, 'resources/read'],
      ['prompt', () => getPrompt(era, 'deny:method'), { prompt: 'enhanced_prompt' }, 'prompts/get'],
    ] as const)(
      'answers a guard returning false on a %s with JSON-RPC -32003 (never an HTTP 403 challenge), audited and counted',
      async (_kind, request, target, action) => {
        const metrics = h.app.get(McpMetrics);
        const counted = async () =>
          valueOf(parseExposition((await metrics.scrape()).body), 'mcp_auth_authorization_decisions_total', {
            action,
            outcome: 'denied',
            reason: 'guard_denied',
          });
        const before = await counted();
        const since = events.length;
        const { status, headers, body } = await request();
        expect(status).toBe(200);
        expect(headers.get('www-authenticate')).toBeNull();
        expect(body.error).toEqual({ code: -32003, message: 'Forbidden resource' });
        expect(log.steps).toEqual(['guard:global', 'guard:class', 'guard:method']);
        const decided = events.slice(since).filter((event) => event.action === action);
        expect(decided).toEqual([
          expect.objectContaining({
            action,
            outcome: 'denied',
            reason: 'guard_denied',
            guard: 'MethodGuard',
            subject: 'demo-reader',
            ...target,
          }),
        ]);
        expect(await counted()).toBe(before + 1);
      },
    );

    it("answers a guard's ForbiddenException with -32003 and its message, audited with that guard", async () => {
      const since = events.length;
      const { body } = await callTool(era, 'enhanced_echo', { text: 'refuse:class' });
      expect(body.error).toEqual({ code: -32003, message: 'The class guard refuses' });
      expect(events.slice(since)).toContainEqual(
        expect.objectContaining({ outcome: 'denied', reason: 'guard_denied', guard: 'ClassGuard' }),
      );
    });

    it('audits an allowed call once, after the guards let it through', async () => {
      const since = events.length;
      await callTool(era, 'enhanced_echo', { text: 'audited' });
      const decided = events.slice(since).filter((event) => event.action === 'tools/call');
      expect(decided).toEqual([expect.objectContaining({ outcome: 'allowed', tool: 'enhanced_echo', subject: 'demo-reader' })]);
      expect(decided[0].reason).toBeUndefined();
    });

    describe('the exception table', () => {
      it.each([
        ['forbidden', { code: -32003, message: 'Not for you' }],
        ['protocol', { code: -32050, message: 'Chosen by the method' }],
        ['conflict', { code: -32010, message: 'Conflict on tool enhanced_echo: Already there' }],
      ] as const)('a tool throwing %s answers the JSON-RPC error %j', async (trigger, error) => {
        const { body } = await callTool(era, 'enhanced_echo', { text: trigger });
        expect(body.error).toEqual(error);
      });

      it.each([
        ['bad_request', 'text must not be bad; and neither must the rest'],
        ['not_found', 'No such thing here'],
        ['gone', 'Gone for good'],
        ['teapot', 'Short and stout (enhanced_echo)'],
      ])('a tool throwing %s answers a tool error result (isError) saying %j', async (trigger, text) => {
        const { body } = await callTool(era, 'enhanced_echo', { text: trigger });
        expect(body.error).toBeUndefined();
        expect(body.result).toMatchObject({ isError: true, content: [{ type: 'text', text }] });
      });

      it('a BadRequestException from a pipe stops the call before the method', async () => {
        await callTool(era, 'enhanced_echo', { text: 'bad_request' });
        expect(log.steps).not.toContain('method');
        expect(log.steps).toContain('error:global');
        expect(log.errors).toEqual(['BadRequestException']);
      });

      it('a filter returning a value answers with it, converted like the method result', async () => {
        const { body } = await callTool(era, 'enhanced_echo', { text: 'precondition' });
        expect(body.result?.structuredContent).toEqual({ recovered: 'enhanced_echo' });
        const teapot = await callTool(era, 'enhanced_echo', { text: 'teapot' });
        expect(teapot.body.result?.isError).toBe(true);
        expect(log.steps).toContain('filter:global');
      });

      it('an unexpected error is a tool error saying only that the tool failed; its message is logged once, never sent', async () => {
        const before = logger.errors.length;
        const { body } = await callTool(era, 'enhanced_echo', { text: 'unexpected' });
        expect(body.result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'Tool enhanced_echo failed' }] });
        expect(JSON.stringify(body)).not.toContain('hunter2');
        // Once, though the catch-all HTTP filter saw it first and rethrew it.
        expect(logger.errors.slice(before).filter((line) => line.includes('hunter2'))).toEqual([
          expect.stringMatching(/^Tool enhanced_echo failed: database password is hunter2/),
        ]);
      });

      it.each([
        ['forbidden', { code: -32003, message: 'Not for you' }],
        ['bad_request', { code: -32602, message: 'text must not be bad; and neither must the rest' }],
        ['gone', { code: -32603, message: 'Gone for good' }],
        ['unexpected', { code: -32603, message: 'Internal error' }],
        ['protocol', { code: -32050, message: 'Chosen by the method' }],
        ['conflict', { code: -32010, message: 'Conflict on resource enhanced_item: Already there' }],
      ] as const)('a resource throwing %s answers %j', async (trigger, error) => {
        const { body } = await readResource(era, `enhanced://items/${trigger}`);
        expect(body.error).toEqual(error);
      });

      it('a resource throwing NotFoundException answers -32602 resource not found, with the uri', async () => {
        const { body } = await readResource(era, 'enhanced://items/not_found');
        expect(body.error).toEqual({ code: -32602, message: 'No such thing here', data: { uri: 'enhanced://items/not_found' } });
      });

      it('a resource whose filter returns contents answers with them', async () => {
        const { body } = await readResource(era, 'enhanced://items/teapot');
        expect(body.result?.contents).toEqual([{ uri: 'enhanced://items/teapot', text: 'short and stout' }]);
      });

      it.each([
        ['forbidden', { code: -32003, message: 'Not for you' }],
        ['bad_request', { code: -32602, message: 'text must not be bad; and neither must the rest' }],
        ['not_found', { code: -32602, message: 'No such thing here' }],
        ['gone', { code: -32603, message: 'Gone for good' }],
        ['unexpected', { code: -32603, message: 'Internal error' }],
        ['protocol', { code: -32050, message: 'Chosen by the method' }],
      ] as const)('a prompt throwing %s answers %j', async (trigger, error) => {
        const { body } = await getPrompt(era, trigger);
        expect(body.error).toEqual(error);
        expect(JSON.stringify(body)).not.toContain('hunter2');
      });

      it('a prompt whose filter returns a string answers with it as the message', async () => {
        const { body } = await getPrompt(era, 'teapot');
        expect(body.result?.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'Describe a teapot, short and stout' } }]);
      });
    });

    it('refuses a call lacking its scopes with the 403 step-up challenge before any application guard runs', async () => {
      const { status, headers } = await callTool(era, 'enhanced_admin', {});
      expect(status).toBe(403);
      const challenge = parseChallenge(headers.get('www-authenticate'));
      expect(challenge.params).toMatchObject({ error: 'insufficient_scope', scope: 'Admin.Write' });
      expect(log.steps).toEqual([]);
    });

    it('resolves a request-scoped dependency, and a request-scoped provider, per request, with the HTTP request as REQUEST', async () => {
      const first = await callTool(era, 'request_scope', {}, { 'x-trace': 'one' });
      const second = await callTool(era, 'request_scope', {}, { 'x-trace': 'two' });
      const [a, b] = [first.body.result?.structuredContent, second.body.result?.structuredContent];
      expect(a).toMatchObject({ trace: 'one', sub: 'demo-reader' });
      expect(b).toMatchObject({ trace: 'two', sub: 'demo-reader' });
      expect(a?.instance).not.toBe(b?.instance);
      const one = await callTool(era, 'request_scoped_provider', {});
      const two = await callTool(era, 'request_scoped_provider', {});
      expect(one.body.result?.structuredContent).toMatchObject({ sub: 'demo-reader', via: ['global'] });
      expect(one.body.result?.structuredContent?.instance).not.toBe(two.body.result?.structuredContent?.instance);
    });

    it('takes Valibot and ArkType schemas (Standard Schema) for input and output', async () => {
      const listed = await send(era, 'tools/list', {});
      const tools = (listed.body.result as unknown as { tools: Array<{ name: string; inputSchema: unknown; outputSchema?: unknown }> })
        .tools;
      const greet = tools.find((tool) => tool.name === 'valibot_greet');
      expect(greet?.inputSchema).toMatchObject({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: { name: { type: 'string', minLength: 2 }, times: { type: 'number' } },
        required: ['name'],
      });
      expect(greet?.outputSchema).toMatchObject({ type: 'object', properties: { greeting: { type: 'string' } } });
      const greeted = await callTool(era, 'valibot_greet', { name: 'Ada' });
      expect(greeted.body.result?.structuredContent).toMatchObject({ greeting: 'Hello Ada' });
      const invalid = await callTool(era, 'valibot_greet', { name: 'A' });
      expect(invalid.body.result).toMatchObject({
        isError: true,
        content: [{ text: expect.stringMatching(/^Invalid arguments for tool valibot_greet: name: /) }],
      });
      const prompts = (await send(era, 'prompts/list', {})).body.result as unknown as {
        prompts: Array<{ name: string; arguments?: unknown }>;
      };
      expect(prompts.prompts.find((prompt) => prompt.name === 'valibot_haiku')?.arguments).toEqual([
        { name: 'topic', description: 'What the haiku is about', required: true },
        { name: 'mood', required: false },
      ]);
      const haiku = await send(era, 'prompts/get', { name: 'valibot_haiku', arguments: { topic: 'snow', mood: 'stormy' } });
      expect(haiku.body.result?.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'Write a stormy haiku about snow' } }]);
      const tooShort = await send(era, 'prompts/get', { name: 'valibot_haiku', arguments: { topic: 'sn' } });
      expect(tooShort.body.error).toMatchObject({
        code: -32602,
        message: expect.stringMatching(/^Invalid arguments for prompt valibot_haiku: topic: /),
      });
      const completed = await send(era, 'completion/complete', {
        ref: { type: 'ref/prompt', name: 'valibot_haiku' },
        argument: { name: 'topic', value: 'a' },
      });
      expect(completed.body.result).toMatchObject({ completion: { values: ['autumn', 'avalanche'] } });
      const broken = await callTool(era, 'arktype_broken_output', {});
      expect(broken.body.result).toMatchObject({
        isError: true,
        content: [
          {
            text: expect.stringMatching(/^Tool arktype_broken_output returned a result that does not match its output schema: greeting: /),
          },
        ],
      });
    });
  });

  it('lets an HTTP-only global guard (and catch-all filter) that check the context type act on HTTP requests and leave MCP calls alone', async () => {
    const refused = await post(
      h.resourceUrl,
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: envelope() } },
      {
        token,
        headers: { ...modernHeaders('tools/list'), 'x-refuse-http': 'yes' },
      },
    );
    expect(refused.status).toBe(403);
    await refused.arrayBuffer();
    expect((await callTool('modern', 'enhanced_echo', { text: 'ok' })).body.result?.structuredContent).toMatchObject({
      text: `ok${PIPED}`,
    });
  });

  it("works with the testing kit's client", async () => {
    const client = await connectMcpClient(h.app, token);
    try {
      const result = await client.callTool({ name: 'enhanced_echo', arguments: { text: 'kit' } });
      expect(result.structuredContent).toMatchObject({ text: `kit${PIPED}`, via: ['method', 'class', 'global'] });
      const since = events.length;
      await expect(client.callTool({ name: 'enhanced_echo', arguments: { text: 'deny:global' } })).rejects.toMatchObject({
        code: -32003,
      });
      expect(events.slice(since)).toContainEqual(expect.objectContaining({ reason: 'guard_denied', guard: 'GlobalGuard' }));
    } finally {
      await client.close();
    }
  });
});
