import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import type { ElicitRequest } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import type { McpAuditEvent } from 'nestjs-mcp-auth';
import { AskingTools, CONSENT_URL } from './support/asking-tools.js';
import { openSession, post, rpc } from './support/harness.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { MODERN, envelope, modernHeaders } from './support/modern.js';
import { messagesOf } from './support/sse.js';
import { until } from './support/until.js';

/** The key every app here seals its questions with (at least 32 bytes). */
const KEY = 'an-example-request-state-key-of-48-bytes-or-so!!';

type Answer = { action: 'accept'; content?: Record<string, string | number | boolean | string[]> } | { action: 'decline' | 'cancel' };

/** A 2026-07-28 request of `method` with `params`, carrying the envelope (with `capabilities` and anything in `meta`). */
function modernRequest(method: string, params: Record<string, unknown>, id: number, capabilities: object = { elicitation: {} }, meta = {}) {
  return {
    jsonrpc: '2.0',
    id,
    method,
    params: { ...params, _meta: { ...envelope(), 'io.modelcontextprotocol/clientCapabilities': capabilities, ...meta } },
  };
}

describe('asking the client for input, progress, log messages and cancellation', () => {
  let app: LibraryApp;
  let tools: AskingTools;
  const events: McpAuditEvent[] = [];
  const clients: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    app = await startLibraryApp({ requestState: { key: KEY }, auditSink: { record: (event) => void events.push(event) } }, [AskingTools]);
    tools = app.app.get(AskingTools);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await app?.close();
  });

  const runsOf = (name: string) => tools.runs.get(name) ?? 0;

  /** The v2 client pinned to 2026-07-28, declaring `capabilities`, playing the user with `answer`. */
  async function modernClient(
    token: string,
    answer?: (params: ElicitRequest['params']) => Answer | Promise<Answer>,
    capabilities: Record<string, object> = { elicitation: { form: {}, url: {} } },
  ): Promise<ClientV2> {
    const client = new ClientV2({ name: 'e2e-asked', version: '1.0.0' }, { versionNegotiation: { mode: { pin: MODERN } }, capabilities });
    if (answer) client.setRequestHandler('elicitation/create', (request) => answer(request.params));
    await client.connect(new TransportV2(new URL(app.resourceUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    clients.push(client);
    return client;
  }

  /** The v1 client on a 2025-11-25 session, declaring `capabilities`, playing the user with `answer`. */
  async function legacyClient(
    token: string,
    answer?: (params: ElicitRequest['params']) => Answer | Promise<Answer>,
    capabilities: Record<string, object> = { elicitation: { form: {}, url: {} } },
  ): Promise<Client> {
    const client = new Client({ name: 'e2e-asked-v1', version: '1.0.0' }, { capabilities });
    if (answer) client.setRequestHandler(ElicitRequestSchema, (request) => answer(request.params as ElicitRequest['params']));
    await client.connect(
      new StreamableHTTPClientTransport(new URL(app.resourceUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
    );
    clients.push(client);
    return client;
  }

  const textOf = (result: object) => (result as { content: Array<{ text: string }> }).content[0].text;

  /** A raw 2026-07-28 call, answered with its JSON-RPC messages and status. */
  async function callModern(token: string, body: ReturnType<typeof modernRequest>) {
    const method = body.method;
    const name = (body.params as { name?: string; uri?: string }).name ?? (body.params as { uri?: string }).uri;
    const response = await post(app.resourceUrl, body, { token, headers: modernHeaders(method, name) });
    return { status: response.status, contentType: response.headers.get('content-type'), messages: await messagesOf(response) };
  }

  /** Round one of a raw 2026-07-28 call of `name`: the `input_required` result it answers with. */
  async function firstRound(token: string, name: string, args: Record<string, unknown>) {
    const { messages } = await callModern(token, modernRequest('tools/call', { name, arguments: args }, 1));
    const result = messages[0].result as { resultType: string; inputRequests: Record<string, any>; requestState: string };
    expect(result.resultType).toBe('input_required');
    return result;
  }

  describe('on 2026-07-28 (multi-round-trip requests, the v2 client answering)', () => {
    it('asks, gets the answer on the next round, and runs the method again from the top with it', async () => {
      const asked: string[] = [];
      const client = await modernClient(await app.token('demo-writer'), (params) => {
        asked.push(params.message);
        return { action: 'accept', content: { keep: true } };
      });
      const before = runsOf('confirm_word');
      expect(textOf(await client.callTool({ name: 'confirm_word', arguments: { word: 'lamp' } }))).toBe('kept lamp: true');
      expect(asked).toEqual(['Keep "lamp"?']);
      expect(runsOf('confirm_word') - before).toBe(2);
    });

    it('asks one question per round, each earlier answer given back from the sealed state', async () => {
      const asked: string[] = [];
      const client = await modernClient(await app.token('demo-writer'), (params): Answer => {
        asked.push(params.message);
        return params.message === 'Your name?'
          ? { action: 'accept', content: { name: 'Ada' } }
          : { action: 'accept', content: { colour: 'blue' } };
      });
      const before = runsOf('two_questions');
      expect(textOf(await client.callTool({ name: 'two_questions', arguments: {} }))).toBe('Ada likes blue');
      expect(asked).toEqual(['Your name?', 'Your favourite colour?']);
      expect(runsOf('two_questions') - before).toBe(3);
    });

    it('asks several things in one round (a form and the client model), and tells a declined form apart', async () => {
      const client = await modernClient(await app.token('demo-writer'), () => ({ action: 'accept', content: { city: 'Lyon' } }), {
        elicitation: { form: {} },
        sampling: {},
      });
      client.setRequestHandler('sampling/createMessage', () => ({
        role: 'assistant',
        content: { type: 'text', text: 'sunny' },
        model: 'test-model',
        stopReason: 'endTurn',
      }));
      expect(textOf(await client.callTool({ name: 'both_at_once', arguments: {} }))).toBe('Lyon: sunny');

      const declining = await modernClient(await app.token('demo-writer'), () => ({ action: 'decline' }));
      expect(textOf(await declining.callTool({ name: 'confirm_word', arguments: { word: 'vase' } }))).toBe('declined vase');
    });

    it('asks from a prompt and from a resource too', async () => {
      const client = await modernClient(await app.token('demo-writer'), (params): Answer =>
        params.message === 'Which topic?'
          ? { action: 'accept', content: { topic: 'tides' } }
          : { action: 'accept', content: { mood: 'calm' } },
      );
      const prompt = await client.getPrompt({ name: 'asking_prompt', arguments: {} });
      expect(prompt.messages[0].content).toEqual({ type: 'text', text: 'Write about tides' });
      const note = await client.readResource({ uri: 'asking://note' });
      expect(note.contents[0]).toMatchObject({ uri: 'asking://note', text: 'Noted: calm' });
    });

    it('answers a client that did not declare elicitation with -32021 (HTTP 400) naming the capability', async () => {
      const { status, messages } = await callModern(
        await app.token('demo-writer'),
        modernRequest('tools/call', { name: 'confirm_word', arguments: { word: 'x' } }, 7, {}),
      );
      expect(status).toBe(400);
      expect(messages[0]).toMatchObject({ id: 7, error: { code: -32021, data: { requiredCapabilities: { elicitation: { form: {} } } } } });
    });

    it('turns an error naming a page to visit into a URL elicitation; declined, the error stands as a tool error', async () => {
      tools.consented = false;
      const visited: string[] = [];
      const client = await modernClient(await app.token('demo-writer'), (params) => {
        visited.push((params as { url: string }).url);
        tools.consented = true; // the user went there and allowed it
        return { action: 'accept' };
      });
      expect(textOf(await client.callTool({ name: 'needs_consent', arguments: {} }))).toBe('calendar read');
      expect(visited).toEqual([CONSENT_URL]);

      tools.consented = false;
      const refusing = await modernClient(await app.token('demo-writer'), () => ({ action: 'decline' }));
      const refused = await refusing.callTool({ name: 'needs_consent', arguments: {} });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toBe(`Allow access to your calendar, then try again (${CONSENT_URL})`);

      const formsOnly = await modernClient(await app.token('demo-writer'), () => ({ action: 'accept' }), { elicitation: { form: {} } });
      const notAskable = await formsOnly.callTool({ name: 'needs_consent', arguments: {} });
      expect(notAskable).toMatchObject({ isError: true });
      expect(textOf(notAskable)).toContain(CONSENT_URL);
    });

    it("ignores answers to questions it never asked (no state): the question is asked, and the method's work waits", async () => {
      const token = await app.token('demo-writer');
      const { messages } = await callModern(
        token,
        modernRequest(
          'tools/call',
          {
            name: 'confirm_word',
            arguments: { word: 'pre' },
            inputResponses: { elicitation: { action: 'accept', content: { keep: true } } },
          },
          3,
        ),
      );
      expect(messages[0].result).toMatchObject({
        resultType: 'input_required',
        inputRequests: { elicitation: { method: 'elicitation/create' } },
      });
    });
  });

  describe('on 2026-07-28, the requestState: refused with -32602 before the method runs, and audited', () => {
    const INVALID = { code: -32602, message: 'Invalid or expired requestState', data: { reason: 'invalid_request_state' } };

    /** Sends round two of `name` with `state` and an accepting answer; resolves with the answer and the audit events it produced. */
    async function secondRound(token: string, name: string, args: Record<string, unknown>, state: string) {
      const inputResponses = { elicitation: { action: 'accept', content: { keep: true, ok: true } } };
      const body = modernRequest('tools/call', { name, arguments: args, inputResponses, requestState: state }, 2);
      const before = events.length;
      const { messages } = await callModern(token, body);
      return { message: messages[0], audited: events.slice(before) };
    }

    it('accepts its own state: the round completes', async () => {
      const token = await app.token('demo-writer');
      const { requestState } = await firstRound(token, 'confirm_word', { word: 'a' });
      const { message } = await secondRound(token, 'confirm_word', { word: 'a' }, requestState);
      expect(message.result).toMatchObject({ content: [{ type: 'text', text: 'kept a: true' }] });
    });

    it('accepts each answered state once: sent again, it is refused before the method runs, audited as replayed', async () => {
      const token = await app.token('demo-writer');
      const { requestState } = await firstRound(token, 'confirm_word', { word: 'a' });
      const first = await secondRound(token, 'confirm_word', { word: 'a' }, requestState);
      expect(first.message.result).toMatchObject({ content: [{ type: 'text', text: 'kept a: true' }] });
      const before = runsOf('confirm_word');
      const { message, audited } = await secondRound(token, 'confirm_word', { word: 'a' }, requestState);
      expect(message).toMatchObject({ id: 2, error: INVALID });
      expect(runsOf('confirm_word')).toBe(before);
      expect(audited).toContainEqual(
        expect.objectContaining({ outcome: 'denied', reason: 'request_state_replayed', tool: 'confirm_word', subject: 'demo-writer' }),
      );
    });

    it.each([
      ['tampered with', (state: string) => `${state.slice(0, -2)}${state.endsWith('A') ? 'BB' : 'AA'}`, 'request_state_invalid'],
      ['not a state at all', () => 'v1.garbage.garbage', 'request_state_invalid'],
    ])('refuses state %s', async (_case, alter, reason) => {
      const token = await app.token('demo-writer');
      const { requestState } = await firstRound(token, 'confirm_word', { word: 'a' });
      const before = runsOf('confirm_word');
      const { message, audited } = await secondRound(token, 'confirm_word', { word: 'a' }, alter(requestState));
      expect(message).toMatchObject({ id: 2, error: INVALID });
      expect(runsOf('confirm_word')).toBe(before);
      expect(audited).toContainEqual(
        expect.objectContaining({ action: 'tools/call', outcome: 'denied', reason, tool: 'confirm_word', subject: 'demo-writer' }),
      );
    });

    it("refuses another subject's state", async () => {
      const { requestState } = await firstRound(await app.token('demo-writer'), 'confirm_word', { word: 'a' });
      const before = runsOf('confirm_word');
      const { message, audited } = await secondRound(await app.token('demo-admin'), 'confirm_word', { word: 'a' }, requestState);
      expect(message).toMatchObject({ error: INVALID });
      expect(runsOf('confirm_word')).toBe(before);
      expect(audited).toContainEqual(
        expect.objectContaining({
          outcome: 'denied',
          reason: 'request_state_other_principal',
          tool: 'confirm_word',
          subject: 'demo-admin',
        }),
      );
    });

    it('refuses state minted for another tool, and for other arguments', async () => {
      const token = await app.token('demo-writer');
      const { requestState } = await firstRound(token, 'confirm_word', { word: 'a' });
      const before = [runsOf('confirm_word'), runsOf('moving_question')];

      const otherTool = await secondRound(token, 'moving_question', {}, requestState);
      expect(otherTool.message).toMatchObject({ error: INVALID });
      expect(otherTool.audited).toContainEqual(
        expect.objectContaining({ reason: 'request_state_other_operation', tool: 'moving_question' }),
      );

      const otherArguments = await secondRound(token, 'confirm_word', { word: 'b' }, requestState);
      expect(otherArguments.message).toMatchObject({ error: INVALID });
      expect(otherArguments.audited).toContainEqual(
        expect.objectContaining({ reason: 'request_state_other_arguments', tool: 'confirm_word' }),
      );
      expect([runsOf('confirm_word'), runsOf('moving_question')]).toEqual(before);

      // Refused for another operation or arguments, the state was not used up: its own call still completes.
      const own = await secondRound(token, 'confirm_word', { word: 'a' }, requestState);
      expect(own.message.result).toMatchObject({ content: [{ type: 'text', text: 'kept a: true' }] });
    });

    it('refuses state whose questions are not those the method asks now (they must be the same, in the same order)', async () => {
      const token = await app.token('demo-writer');
      const { requestState, inputRequests } = await firstRound(token, 'moving_question', {});
      expect(inputRequests.elicitation.params.message).toBe(`Question number ${tools.questionNumber}`);
      tools.questionNumber++;
      const { message, audited } = await secondRound(token, 'moving_question', {}, requestState);
      expect(message).toMatchObject({ error: INVALID });
      expect(audited).toContainEqual(expect.objectContaining({ reason: 'request_state_other_questions', tool: 'moving_question' }));
    });
  });

  describe('on a 2025 session (requests to the client on the session, the v1 client answering)', () => {
    it('asks on the call’s own stream and goes on with the answer, in one run of the method', async () => {
      const client = await legacyClient(await app.token('demo-writer'), () => ({ action: 'accept', content: { keep: false } }));
      const before = runsOf('confirm_word');
      expect(textOf(await client.callTool({ name: 'confirm_word', arguments: { word: 'rug' } }))).toBe('kept rug: false');
      expect(runsOf('confirm_word') - before).toBe(1);

      const colours = await legacyClient(await app.token('demo-writer'), (params): Answer =>
        params.message === 'Your name?' ? { action: 'accept', content: { name: 'Lin' } } : { action: 'accept', content: { colour: 'red' } },
      );
      expect(textOf(await colours.callTool({ name: 'two_questions', arguments: {} }))).toBe('Lin likes red');
    });

    it('asks the client model (sampling) on the session', async () => {
      const client = await legacyClient(await app.token('demo-writer'), () => ({ action: 'accept', content: { city: 'Oslo' } }), {
        elicitation: {},
        sampling: {},
      });
      client.setRequestHandler(CreateMessageRequestSchema, () => ({
        role: 'assistant',
        content: { type: 'text', text: 'snow' },
        model: 'test-model',
        stopReason: 'endTurn',
      }));
      expect(textOf(await client.callTool({ name: 'both_at_once', arguments: {} }))).toBe('Oslo: snow');
    });

    it('answers a tool error when the client did not declare the capability', async () => {
      const client = await legacyClient(await app.token('demo-writer'), undefined, {});
      const result = await client.callTool({ name: 'confirm_word', arguments: { word: 'x' } });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe('Input cannot be requested: Client does not support form elicitation.');
    });

    it('answers a call in a JSON-RPC batch (2025-03-26, answered as JSON) with a tool error: no stream to ask on', async () => {
      const token = await app.token('demo-writer');
      const sessionId = await openSession(app.resourceUrl, token);
      const response = await post(app.resourceUrl, [rpc.callTool('confirm_word', { word: 'batch' }, 51)], {
        token,
        headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-03-26' },
      });
      // The SDK's transport answers a batch of one with the one answer.
      const body = (await messagesOf(response))[0] as Record<string, any> | Array<Record<string, any>>;
      const answer = Array.isArray(body) ? body[0] : body;
      expect(answer).toMatchObject({ id: 51, result: { isError: true } });
      expect(answer.result.content[0].text).toMatch(/^Input cannot be requested inside a JSON-RPC batch/);
    });

    it('answers an error naming a page with the -32042 URL elicitation a 2025-11-25 client opens', async () => {
      tools.consented = false;
      const client = await legacyClient(await app.token('demo-writer'), () => ({ action: 'accept' }));
      const failure = await client.callTool({ name: 'needs_consent', arguments: {} }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(McpError);
      expect(failure).toMatchObject({ code: -32042, data: { elicitations: [{ mode: 'url', url: CONSENT_URL }] } });
    });
  });

  describe('progress and log messages', () => {
    it('2026-07-28: with a progress token and a log level the JSON answer becomes a stream of them, the token never in a message', async () => {
      const token = await app.token('demo-writer');
      const meta = { progressToken: 'p-1', 'io.modelcontextprotocol/logLevel': 'info' };
      const { status, contentType, messages } = await callModern(
        token,
        modernRequest('tools/call', { name: 'report', arguments: { steps: 2 } }, 11, {}, meta),
      );
      expect(status).toBe(200);
      expect(contentType).toMatch(/^text\/event-stream/);
      const progress = messages.filter((message) => message.method === 'notifications/progress').map((message) => message.params);
      expect(progress).toEqual([
        { progressToken: 'p-1', progress: 1, total: 2, message: 'step 1' },
        { progressToken: 'p-1', progress: 2, total: 2, message: 'step 2' },
      ]);
      const logs = messages.filter((message) => message.method === 'notifications/message').map((message) => message.params);
      expect(logs).toEqual([
        { level: 'info', data: { step: 1, authorization: 'Bearer [token]' } },
        { level: 'info', data: { step: 2, authorization: 'Bearer [token]' } },
      ]);
      expect(JSON.stringify(messages)).not.toContain(token);
      expect(messages[messages.length - 1]).toMatchObject({ id: 11, result: { content: [{ text: 'reported' }] } });
    });

    it('2026-07-28: sends nothing when not asked, and the answer stays plain JSON', async () => {
      const { contentType, messages } = await callModern(
        await app.token('demo-writer'),
        modernRequest('tools/call', { name: 'report', arguments: { steps: 2 } }, 12),
      );
      expect(contentType).toMatch(/^application\/json/);
      expect(messages).toEqual([
        expect.objectContaining({ id: 12, result: expect.objectContaining({ content: [{ type: 'text', text: 'reported' }] }) }),
      ]);
    });

    it('2025 session: progress to a client that asked for it, log messages at the level it set, nothing to one that set none', async () => {
      const client = await legacyClient(await app.token('demo-writer'));
      const logs: unknown[] = [];
      client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => void logs.push(notification.params));
      const progress: unknown[] = [];
      await client.callTool({ name: 'report', arguments: { steps: 3 } }, undefined, { onprogress: (update) => void progress.push(update) });
      expect(progress).toEqual([
        { progress: 1, total: 3, message: 'step 1' },
        { progress: 2, total: 3, message: 'step 2' },
        { progress: 3, total: 3, message: 'step 3' },
      ]);
      expect(logs).toEqual([]);

      await client.setLoggingLevel('info');
      await client.callTool({ name: 'report', arguments: { steps: 1 } });
      expect(logs).toEqual([{ level: 'info', data: { step: 1, authorization: 'Bearer [token]' } }]);
    });

    it('2025 session: a plain JSON answer when the request asked for nothing, a stream when it carries a progress token', async () => {
      const token = await app.token('demo-writer');
      const sessionId = await openSession(app.resourceUrl, token);
      const plain = await post(app.resourceUrl, rpc.callTool('report', { steps: 1 }, 21), {
        token,
        headers: { 'mcp-session-id': sessionId },
      });
      expect(plain.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await messagesOf(plain)).toHaveLength(1);

      const withToken = {
        ...rpc.callTool('report', { steps: 2 }, 22),
        params: { name: 'report', arguments: { steps: 2 }, _meta: { progressToken: 7 } },
      };
      const streamed = await post(app.resourceUrl, withToken, { token, headers: { 'mcp-session-id': sessionId } });
      expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(streamed.headers.get('mcp-session-id')).toBe(sessionId);
      const messages = await messagesOf(streamed);
      expect(messages.map((message) => message.method ?? `result ${message.id}`)).toEqual([
        'notifications/progress',
        'notifications/progress',
        'result 22',
      ]);
    });
  });

  describe('cancellation', () => {
    it('2025: notifications/cancelled aborts the method’s signal, and no answer follows', async () => {
      const client = await legacyClient(await app.token('demo-writer'));
      // An answer to the cancelled call would reach the client as a response to an unknown id, which it reports here.
      const clientErrors: Error[] = [];
      client.onerror = (error) => clientErrors.push(error);
      const controller = new AbortController();
      const started = (tools.runs.get('wait_for_cancel') ?? 0) + 1;
      const aborted = tools.aborts.length;
      const call = client.callTool({ name: 'wait_for_cancel', arguments: {} }, undefined, { signal: controller.signal });
      await tools.started.of('wait_for_cancel', started);
      controller.abort('the user pressed stop');
      await expect(call).rejects.toThrow();
      await until(() => tools.aborts.length > aborted);
      // The reason the client sent with notifications/cancelled, not the connection closing.
      expect(tools.aborts[aborted]).toBe('the user pressed stop');
      expect(textOf(await client.callTool({ name: 'report', arguments: { steps: 1 } }))).toBe('reported');
      expect(clientErrors).toEqual([]);
    });

    it.each(['2026-07-28', '2025 session'])('%s: a client that closes the request aborts the method’s signal', async (era) => {
      const token = await app.token('demo-writer');
      const modern = era === '2026-07-28';
      const body = modern
        ? modernRequest('tools/call', { name: 'wait_for_cancel', arguments: {} }, 31)
        : rpc.callTool('wait_for_cancel', {}, 31);
      const headers = modern
        ? modernHeaders('tools/call', 'wait_for_cancel')
        : { 'mcp-session-id': await openSession(app.resourceUrl, token) };
      const controller = new AbortController();
      const started = (tools.runs.get('wait_for_cancel') ?? 0) + 1;
      const aborted = tools.aborts.length;
      const answer = fetch(app.resourceUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${token}`,
          ...(modern ? {} : { 'mcp-protocol-version': '2025-11-25' }),
          ...headers,
        },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      await tools.started.of('wait_for_cancel', started);
      controller.abort();
      await expect(answer).rejects.toThrow();
      await until(() => tools.aborts.length > aborted);
    });

    it('2025 session: a method that ignores its cancellation still finishes; its late answer is dropped and the session goes on', async () => {
      const client = await legacyClient(await app.token('demo-writer'));
      const controller = new AbortController();
      const late = tools.lateAnswers.length;
      const started = (tools.runs.get('ignore_cancel') ?? 0) + 1;
      const call = client.callTool({ name: 'ignore_cancel', arguments: { ms: 200 } }, undefined, { signal: controller.signal });
      await tools.started.of('ignore_cancel', started);
      controller.abort();
      await expect(call).rejects.toThrow();
      await until(() => tools.lateAnswers.length > late);
      const next = await client.callTool({ name: 'report', arguments: { steps: 1 } });
      expect(textOf(next)).toBe('reported');
    });
  });
});

describe('asking where it cannot be done, and a round that took too long', () => {
  let app: LibraryApp;
  const events: McpAuditEvent[] = [];

  beforeAll(async () => {
    app = await startLibraryApp(
      { stateless: true, requestState: { key: KEY, ttlSeconds: 1 }, auditSink: { record: (event) => void events.push(event) } },
      [AskingTools],
    );
  });
  afterAll(() => app?.close());

  it('a 2025 endpoint without sessions answers an ask with a tool error saying why', async () => {
    const client = new Client({ name: 'e2e-stateless', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { keep: true } }));
    await client.connect(
      new StreamableHTTPClientTransport(new URL(app.resourceUrl), {
        requestInit: { headers: { authorization: `Bearer ${await app.token('demo-writer')}` } },
      }),
    );
    try {
      const result = await client.callTool({ name: 'confirm_word', arguments: { word: 'x' } });
      expect(result.isError).toBe(true);
      expect((result.content as Array<{ text: string }>)[0].text).toMatch(
        /^Input cannot be requested here: this endpoint serves 2025 clients without sessions/,
      );
    } finally {
      await client.close();
    }
  });

  it('refuses expired state (-32602), audited as expired', async () => {
    const token = await app.token('demo-writer');
    const first = await post(app.resourceUrl, modernRequest('tools/call', { name: 'confirm_word', arguments: { word: 'a' } }, 1), {
      token,
      headers: modernHeaders('tools/call', 'confirm_word'),
    });
    const { requestState } = (await messagesOf(first))[0].result as { requestState: string };
    // The codec counts whole seconds: past one second and the next, the state has lapsed.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const retry = modernRequest(
      'tools/call',
      {
        name: 'confirm_word',
        arguments: { word: 'a' },
        inputResponses: { elicitation: { action: 'accept', content: { keep: true } } },
        requestState,
      },
      2,
    );
    const before = events.length;
    const answer = await post(app.resourceUrl, retry, { token, headers: modernHeaders('tools/call', 'confirm_word') });
    expect((await messagesOf(answer))[0]).toMatchObject({ error: { code: -32602 } });
    const audited = events.slice(before);
    expect(audited).toContainEqual(expect.objectContaining({ reason: 'request_state_expired', tool: 'confirm_word' }));
  });
});

describe('asking with requestState.singleUse off', () => {
  let app: LibraryApp;

  beforeAll(async () => {
    app = await startLibraryApp({ requestState: { key: KEY, singleUse: false } }, [AskingTools]);
  });
  afterAll(() => app?.close());

  it("accepts an answered state again until it expires, as the SDK's codec does", async () => {
    const token = await app.token('demo-writer');
    const call = (id: number, extra: Record<string, unknown> = {}) =>
      post(app.resourceUrl, modernRequest('tools/call', { name: 'confirm_word', arguments: { word: 'a' }, ...extra }, id), {
        token,
        headers: modernHeaders('tools/call', 'confirm_word'),
      }).then(messagesOf);
    const { requestState } = (await call(1))[0].result as { requestState: string };
    const answer = { inputResponses: { elicitation: { action: 'accept', content: { keep: true } } }, requestState };
    for (const id of [2, 3]) {
      expect((await call(id, answer))[0]).toMatchObject({ id, result: { content: [{ type: 'text', text: 'kept a: true' }] } });
    }
  });
});
