import { NotFoundException } from '@nestjs/common';
import { McpProvider, McpResource, RequireScopes } from 'nestjs-mcp-auth';
import type { McpAuditEvent } from 'nestjs-mcp-auth';
import { openSession, post } from './support/harness.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { envelope, modernHeaders } from './support/modern.js';
import { describeOnPlatforms } from './support/platforms.js';
import { answerOf } from './support/sse.js';

/** A templated resource whose method says, as an application's does, that what was asked for does not exist. */
@McpProvider()
@RequireScopes('User.Read')
class MissingItems {
  @McpResource({ uriTemplate: 'missing://items/{id}', name: 'missing-item' })
  item() {
    throw new NotFoundException('No such item');
  }
}

/** Far longer than any name: 10,000 characters (within the 16 KiB header limit, for `Mcp-Name`). */
const long = (prefix: string) => `${prefix}${'x'.repeat(10_000)}`;

/** The most an echoed piece of caller text may add to an error: 256 characters and the message around it. */
const BOUNDED = 300;

interface Answer {
  readonly status: number;
  readonly error?: { code: number; message: string; data?: unknown };
  readonly events: McpAuditEvent[];
}

/**
 * Issue 19 (I1) bounded the caller's text (names, URIs) wherever it is logged or echoed. The
 * features built beside it echo caller text too: `completion/complete` (issue 22A) names the
 * prompt, template or argument it does not know, an `HttpException` of a resource method becomes
 * a JSON-RPC error carrying the URI read (issue 21's exception table), and the example's product
 * resource quotes the id it could not read. Each must stay within the bound, on both eras.
 */
describeOnPlatforms('caller text bounded in the features built beside issue 19', (platform) => {
  let app: LibraryApp;
  let writer: string;
  const events: McpAuditEvent[] = [];

  beforeAll(async () => {
    app = await startLibraryApp({ auditSink: { record: (event) => void events.push(event) } }, [MissingItems], platform);
    writer = await app.token('demo-writer');
  });
  afterAll(() => app?.close());

  /** Sends `method` with `params` on a 2025 session and as a 2026-07-28 request; each answer's error and audit events. */
  async function onBothEras(method: string, params: Record<string, unknown>, name?: string): Promise<Answer[]> {
    const sessionId = await openSession(app.resourceUrl, writer);
    const answers: Answer[] = [];
    for (const era of ['legacy', 'modern'] as const) {
      const before = events.length;
      const body = { jsonrpc: '2.0', id: 1, method, params: era === 'modern' ? { ...params, _meta: envelope() } : params };
      const headers = era === 'modern' ? modernHeaders(method, name) : { 'mcp-session-id': sessionId };
      const response = await post(app.resourceUrl, body, { token: writer, headers });
      const json = (await answerOf(response)) as Pick<Answer, 'error'>;
      answers.push({ status: response.status, error: json.error, events: events.slice(before) });
    }
    return answers;
  }

  const expectBounded = (answer: Answer) => {
    expect(answer.error).toBeDefined();
    expect(answer.error!.message.length).toBeLessThanOrEqual(BOUNDED);
    expect(JSON.stringify(answer.error!.data ?? null).length).toBeLessThanOrEqual(BOUNDED);
    for (const event of answer.events) expect(JSON.stringify(event).length).toBeLessThanOrEqual(1_000);
  };

  it('completion/complete of an unknown prompt', async () => {
    const params = { ref: { type: 'ref/prompt', name: long('no_such_prompt_') }, argument: { name: 'id', value: '1' } };
    for (const answer of await onBothEras('completion/complete', params)) {
      expect(answer.error?.code).toBe(-32602);
      expectBounded(answer);
    }
  });

  it('completion/complete of an unknown resource template', async () => {
    const params = { ref: { type: 'ref/resource', uri: long('no-such://') }, argument: { name: 'id', value: '1' } };
    for (const answer of await onBothEras('completion/complete', params)) {
      expect(answer.error?.code).toBe(-32602);
      expectBounded(answer);
    }
  });

  it('completion/complete of an argument the prompt does not have', async () => {
    const params = { ref: { type: 'ref/prompt', name: 'product_description' }, argument: { name: long('no_such_argument_'), value: '1' } };
    for (const answer of await onBothEras('completion/complete', params)) {
      expect(answer.error?.code).toBe(-32602);
      expectBounded(answer);
    }
  });

  it('a resource method’s NotFoundException for a 10,000-character URI: resource not found, the URI in its data bounded', async () => {
    const uri = long('missing://items/');
    for (const answer of await onBothEras('resources/read', { uri }, uri)) {
      expect(answer.error).toMatchObject({ code: -32602, message: 'No such item' });
      expectBounded(answer);
    }
  });

  it('the example’s product resource refusing a 10,000-character id', async () => {
    const uri = long('products://items/');
    for (const answer of await onBothEras('resources/read', { uri }, uri)) {
      expect(answer.error?.code).toBe(-32602);
      expect(answer.error?.message).toMatch(/^Product id must be a whole number/);
      expectBounded(answer);
    }
  });
});
