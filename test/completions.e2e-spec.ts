import { McpPrompt, McpProvider, McpResource, RequireScopes } from 'nestjs-mcp-auth';
import type { McpAuditEvent, McpCompletionContext } from 'nestjs-mcp-auth';
import { z } from 'zod';
import { ERAS, connectEra } from './support/era-clients.js';
import type { EraClient } from './support/era-clients.js';
import { post } from './support/harness.js';
import { refusesToStart, startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { envelope, modernHeaders } from './support/modern.js';

const LANGUAGES = ['english', 'french', 'german'];

/** Completions of the test's making: a function, a method using the caller's context, and more suggestions than one answer holds. */
@McpProvider()
@RequireScopes('User.Read')
class GreetingPrompts {
  @McpPrompt({
    name: 'greeting',
    description: 'Greets someone in a language',
    args: { language: z.string(), name: z.string() },
    complete: { language: (typed) => LANGUAGES.filter((language) => language.startsWith(typed)), name: 'namesFor' },
  })
  greeting({ language, name }: { language: string; name: string }) {
    return `Greet ${name} in ${language}`;
  }

  /** Shows what a completer receives: who asks, and the arguments already chosen. */
  namesFor(typed: string, { principal, arguments: chosen }: McpCompletionContext): string[] {
    return [`${typed}:${principal.sub}:${chosen.language ?? '-'}`];
  }

  @McpPrompt({
    name: 'counting',
    description: 'Counts',
    args: { n: z.string() },
    complete: { n: () => Array.from({ length: 150 }, (_, i) => String(i)) },
  })
  counting({ n }: { n: string }) {
    return `Count to ${n}`;
  }

  @McpResource({ uriTemplate: 'greetings://{language}/{name}', name: 'greeting-card', complete: { language: () => LANGUAGES } })
  card(_uri: URL, { language, name }: { language: string; name: string }) {
    return `Hello ${name} (${language})`;
  }
}

/** The error a client saw, as code and message. */
async function failure(request: Promise<unknown>): Promise<{ code: unknown; message: string }> {
  const error = (await request.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )) as { code?: unknown; message?: string } | undefined;
  if (!error) throw new Error('the request succeeded');
  return { code: error.code, message: String(error.message) };
}

/** completion/complete: the example's completions and the library's rules, through the real SDK clients on both eras. */
describe('completions', () => {
  let app: LibraryApp;
  const events: McpAuditEvent[] = [];
  const clients: EraClient[] = [];

  beforeAll(async () => {
    app = await startLibraryApp({ auditSink: { record: (event) => void events.push(event) } }, [GreetingPrompts]);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await app?.close();
  });

  describe.each(ERAS)('%s era', (era) => {
    async function connect(token: string): Promise<EraClient> {
      const client = await connectEra(era, app.resourceUrl, token);
      clients.push(client);
      return client;
    }

    const productIds = (value: string) => ({
      ref: { type: 'ref/prompt' as const, name: 'product_description' },
      argument: { name: 'id', value },
    });
    const itemIds = (value: string) => ({
      ref: { type: 'ref/resource' as const, uri: 'products://items/{id}' },
      argument: { name: 'id', value },
    });

    it('announces the completions capability', async () => {
      const client = await connect(await app.token('demo-reader'));
      expect(client.getServerCapabilities()?.completions).toEqual({});
    });

    it('completes the example prompt’s product ids for a writer, by id or by product name', async () => {
      const writer = await connect(await app.token('demo-writer'));
      expect((await writer.complete(productIds(''))).completion).toEqual({ values: ['1', '2'], total: 2, hasMore: false });
      expect((await writer.complete(productIds('mou'))).completion.values).toEqual(['2']);
      expect((await writer.complete(productIds('1'))).completion.values).toEqual(['1']);
    });

    it('completes the example template’s ids for a reader, who may read the items', async () => {
      const reader = await connect(await app.token('demo-reader'));
      expect((await reader.complete(itemIds('KEY'))).completion.values).toEqual(['1']);
    });

    it('answers a prompt the caller may not use exactly as one that does not exist', async () => {
      const reader = await connect(await app.token('demo-reader'));
      const hidden = await failure(reader.complete(productIds('1')));
      const missing = await failure(reader.complete({ ...productIds('1'), ref: { type: 'ref/prompt', name: 'no_such_prompt' } }));
      expect(hidden).toEqual({ code: -32602, message: expect.stringContaining('Unknown prompt: product_description') });
      expect({ ...hidden, message: hidden.message.replace('product_description', 'X') }).toEqual({
        ...missing,
        message: missing.message.replace('no_such_prompt', 'X'),
      });
    });

    it('answers a template the caller may not read exactly as one that does not exist', async () => {
      const noScopes = await connect(await app.forge(app.claims({ sub: 'demo-reader', scope: '' })));
      const hidden = await failure(noScopes.complete(itemIds('1')));
      const missing = await failure(noScopes.complete({ ...itemIds('1'), ref: { type: 'ref/resource', uri: 'products://nothing/{id}' } }));
      expect(hidden).toEqual({ code: -32602, message: expect.stringContaining('Unknown resource template: products://items/{id}') });
      expect(hidden.message.replace('products://items/{id}', 'X')).toBe(missing.message.replace('products://nothing/{id}', 'X'));
    });

    it('gives a completer the caller and the arguments already chosen', async () => {
      const reader = await connect(await app.token('demo-reader'));
      const answer = await reader.complete({
        ref: { type: 'ref/prompt', name: 'greeting' },
        argument: { name: 'name', value: 'Jo' },
        context: { arguments: { language: 'french' } },
      });
      expect(answer.completion.values).toEqual(['Jo:demo-reader:french']);
      const first = await reader.complete({ ref: { type: 'ref/prompt', name: 'greeting' }, argument: { name: 'language', value: 'fr' } });
      expect(first.completion).toEqual({ values: ['french'], total: 1, hasMore: false });
    });

    it('sends at most 100 suggestions, with the total and hasMore', async () => {
      const reader = await connect(await app.token('demo-reader'));
      const { completion } = await reader.complete({ ref: { type: 'ref/prompt', name: 'counting' }, argument: { name: 'n', value: '' } });
      expect(completion.values).toHaveLength(100);
      expect(completion).toMatchObject({ total: 150, hasMore: true });
    });

    it('completes a template variable, and answers one without a completer with no suggestions', async () => {
      const reader = await connect(await app.token('demo-reader'));
      const ref = { type: 'ref/resource' as const, uri: 'greetings://{language}/{name}' };
      expect((await reader.complete({ ref, argument: { name: 'language', value: '' } })).completion.values).toEqual(LANGUAGES);
      expect((await reader.complete({ ref, argument: { name: 'name', value: 'J' } })).completion).toEqual({
        values: [],
        total: 0,
        hasMore: false,
      });
    });

    it('refuses an argument the prompt does not have with -32602', async () => {
      const reader = await connect(await app.token('demo-reader'));
      expect(
        await failure(reader.complete({ ref: { type: 'ref/prompt', name: 'greeting' }, argument: { name: 'nickname', value: '' } })),
      ).toEqual({
        code: -32602,
        message: expect.stringContaining('Prompt greeting has no argument nickname'),
      });
    });
  });

  it('audits each request like a call: allowed, hidden (insufficient_scope) and unknown, with what was asked about', async () => {
    const reader = await app.token('demo-reader');
    const complete = (id: number, ref: object) =>
      post(
        app.resourceUrl,
        { jsonrpc: '2.0', id, method: 'completion/complete', params: { ref, argument: { name: 'id', value: '' }, _meta: envelope() } },
        { token: reader, headers: modernHeaders('completion/complete') },
      ).then((response) => response.json() as Promise<{ result?: { completion: { values: string[] } }; error?: { code: number } }>);
    const before = events.length;
    expect((await complete(1, { type: 'ref/resource', uri: 'products://items/{id}' })).result?.completion.values).toEqual(['1', '2']);
    expect((await complete(2, { type: 'ref/prompt', name: 'product_description' })).error?.code).toBe(-32602);
    expect((await complete(3, { type: 'ref/prompt', name: 'no_such_prompt' })).error?.code).toBe(-32602);
    expect(events.slice(before)).toEqual([
      expect.objectContaining({
        action: 'completion/complete',
        outcome: 'allowed',
        resource: 'products://items/{id}',
        subject: 'demo-reader',
      }),
      expect.objectContaining({
        action: 'completion/complete',
        outcome: 'denied',
        reason: 'insufficient_scope',
        prompt: 'product_description',
        missingScopes: ['User.Write'],
      }),
      expect.objectContaining({ action: 'completion/complete', outcome: 'denied', reason: 'unknown_prompt', prompt: 'no_such_prompt' }),
    ]);
  });
});

describe('completions with listing: all', () => {
  let app: LibraryApp;
  beforeAll(async () => {
    app = await startLibraryApp({ listing: 'all' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('refuses a listed prompt the caller may not use with -32003 naming the scopes (it is no secret there)', async () => {
    const reader = await connectEra('modern', app.resourceUrl, await app.token('demo-reader'));
    try {
      const refused = (await reader
        .complete({ ref: { type: 'ref/prompt', name: 'product_description' }, argument: { name: 'id', value: '' } })
        .catch((error: unknown) => error)) as { code?: number; data?: unknown };
      expect(refused).toMatchObject({ code: -32003, data: { requiredScopes: ['User.Write'] } });
    } finally {
      await reader.close();
    }
  });
});

describe('completions: declaration errors', () => {
  @McpProvider()
  class MisnamedCompleter {
    @McpResource({ uriTemplate: 'items://{id}', name: 'item', complete: { id: 'completeIds' } })
    item() {
      return 'x';
    }
  }

  @McpProvider()
  class CompleterOfAFixedUri {
    @McpResource({ uri: 'items://all', name: 'items', complete: { id: () => [] } })
    items() {
      return 'x';
    }
  }

  it.each([
    [
      MisnamedCompleter,
      'option "@McpResource complete" MisnamedCompleter.item: the completer of "id" must be a function or the name of a method',
    ],
    [
      CompleterOfAFixedUri,
      'option "@McpResource complete" CompleterOfAFixedUri.items: "id" is not one of its URI template variables (none)',
    ],
  ])('refuses to start with %p, naming the method and the fix', (provider, message) => refusesToStart(provider, message));
});
