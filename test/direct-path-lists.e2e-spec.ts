import { McpPrompt, McpProvider, McpResource, McpTool, REQUIRED_SCOPES_META_KEY, RequireScopes } from 'nestjs-mcp-auth';
import type { McpListing } from 'nestjs-mcp-auth';
import { z } from 'zod';
import { probeDirectPath } from './support/direct-path-probe.js';
import type { ModernPath, PathProbe } from './support/direct-path-probe.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { envelope, modernHeaders } from './support/modern.js';

/** An administrator's entry of every kind beside the example's, so that a reader has something hidden on every list. */
@McpProvider()
@RequireScopes('Admin.Write')
class AdminEntries {
  @McpTool({ name: 'admin_tool', description: 'a' })
  tool() {
    return 'a';
  }

  @McpResource({ uri: 'admin://report', name: 'admin-report' })
  report() {
    return 'a';
  }

  @McpResource({ uriTemplate: 'admin://logs/{day}', name: 'admin-logs', complete: { day: () => ['monday', 'tuesday'] } })
  logs() {
    return 'a';
  }

  @McpPrompt({ name: 'admin_prompt', description: 'a', args: { topic: z.string() }, complete: { topic: () => ['audit', 'access'] } })
  prompt() {
    return 'a';
  }
}

const LISTS = {
  'tools/list': 'tools',
  'resources/list': 'resources',
  'resources/templates/list': 'resourceTemplates',
  'prompts/list': 'prompts',
};
type ListMethod = keyof typeof LISTS;

interface Answer {
  readonly status: number;
  readonly body: { result?: Record<string, unknown>; error?: { code: number; message: string; data?: unknown } };
}

/**
 * Issue 22A's pagination and completions through issue 23's direct path. The differential test
 * holds the direct path to the SDK's answers with the default page size, where nothing pages: here
 * every list pages (pageSize 1), with each listing mode, and a reader's hidden (or, with
 * `listing: 'all'`, listed but refused) entries, and completions of visible, hidden and unknown
 * entries; each answer on the direct path must be the SDK handler's, byte for byte.
 */
describe.each(['granted', 'all'] as const)('pagination and completions on the direct path (listing: %s)', (listing: McpListing) => {
  let app: LibraryApp;
  let path: PathProbe;
  let reader: string;
  let admin: string;

  beforeAll(async () => {
    app = await startLibraryApp({ pageSize: 1, listing }, [AdminEntries]);
    path = probeDirectPath(app);
    [reader, admin] = [await app.token('demo-reader'), await app.token('demo-admin')];
  });
  afterAll(async () => {
    path?.restore();
    await app?.close();
  });

  /** One 2026-07-28 request on `via`, checked to have gone that way. */
  async function send(via: ModernPath, token: string, method: string, params: Record<string, unknown>, id = 1): Promise<Answer> {
    path.forceSdk = via === 'sdk';
    path.last = 'sdk';
    try {
      const response = await fetch(app.resourceUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${token}`,
          ...modernHeaders(method),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: envelope() } }),
      });
      expect(path.last).toBe(via);
      return { status: response.status, body: (await response.json()) as Answer['body'] };
    } finally {
      path.forceSdk = false;
    }
  }

  /** Every page of `method` on `via`, following the cursors (at most 20 pages). */
  async function pages(via: ModernPath, token: string, method: ListMethod): Promise<Answer[]> {
    const answers: Answer[] = [];
    let cursor: unknown;
    do {
      const answer = await send(via, token, method, cursor === undefined ? {} : { cursor }, answers.length + 1);
      answers.push(answer);
      cursor = answer.body.result?.nextCursor;
    } while (cursor !== undefined && answers.length < 20);
    return answers;
  }

  const entriesOf = (answers: Answer[], method: ListMethod) =>
    answers.flatMap((answer) => (answer.body.result?.[LISTS[method]] as Array<Record<string, unknown>>) ?? []);

  it.each(Object.keys(LISTS) as ListMethod[])('%s: the same pages on both paths, for a reader and an administrator', async (method) => {
    for (const token of [reader, admin]) {
      const [direct, sdk] = [await pages('direct', token, method), await pages('sdk', token, method)];
      expect(direct).toEqual(sdk);
      // One entry per page: an administrator's lists always page; what a reader sees depends on the listing.
      if (token === admin) expect(direct.length).toBeGreaterThan(1);
      expect(direct.every((answer) => answer.status === 200 && answer.body.result?.cacheScope === 'private')).toBe(true);
    }
    const names = (token: string) =>
      pages('direct', token, method).then((answers) => entriesOf(answers, method).map((entry) => String(entry.name ?? entry.uri)));
    const [asReader, asAdmin] = [await names(reader), await names(admin)];
    const adminOnly = asAdmin.filter((name) => name.startsWith('admin'));
    expect(adminOnly.length).toBeGreaterThan(0);
    if (listing === 'granted') {
      expect(asReader.filter((name) => name.startsWith('admin'))).toEqual([]);
    } else {
      // Listed for everyone, each page's entries naming what they need.
      expect(asReader).toEqual(asAdmin);
      const listed = entriesOf(await pages('direct', reader, method), method).filter((entry) => String(entry.name).startsWith('admin'));
      expect(listed.map((entry) => (entry._meta as Record<string, unknown>)[REQUIRED_SCOPES_META_KEY])).toEqual(
        listed.map(() => ['Admin.Write']),
      );
    }
  });

  it('a reader with an administrator’s cursor gets the same answer on both paths, never a hidden entry', async () => {
    for (const method of Object.keys(LISTS) as ListMethod[]) {
      const cursors = (await pages('direct', admin, method)).map((answer) => answer.body.result?.nextCursor).filter(Boolean);
      expect(cursors.length).toBeGreaterThan(0);
      for (const cursor of cursors) {
        const [direct, sdk] = [await send('direct', reader, method, { cursor }), await send('sdk', reader, method, { cursor })];
        expect(direct).toEqual(sdk);
        if (listing === 'granted' && direct.body.result) {
          const names = entriesOf([direct], method).map((entry) => String(entry.name ?? entry.uri));
          expect(names.filter((name) => name.startsWith('admin'))).toEqual([]);
        }
      }
    }
  });

  it.each([
    ['an administrator’s prompt', { type: 'ref/prompt', name: 'admin_prompt' }, 'topic'],
    ['an administrator’s template', { type: 'ref/resource', uri: 'admin://logs/{day}' }, 'day'],
    ['an unknown prompt', { type: 'ref/prompt', name: 'no_such_prompt' }, 'topic'],
  ])('completion/complete of %s: the same answer on both paths, for a reader and an administrator', async (_case, ref, argument) => {
    for (const token of [reader, admin]) {
      const params = { ref, argument: { name: argument, value: '' } };
      const [direct, sdk] = [
        await send('direct', token, 'completion/complete', params),
        await send('sdk', token, 'completion/complete', params),
      ];
      expect(direct).toEqual(sdk);
    }
    const params = { ref, argument: { name: argument, value: '' } };
    const asReader = await send('direct', reader, 'completion/complete', params);
    const asAdmin = await send('direct', admin, 'completion/complete', params);
    if ('name' in ref && ref.name === 'no_such_prompt') {
      expect([asReader.body.error?.code, asAdmin.body.error?.code]).toEqual([-32602, -32602]);
      return;
    }
    expect((asAdmin.body.result?.completion as { values: string[] }).values.length).toBe(2);
    // Hidden from a reader: unknown to it (granted), or refused naming the scope (all).
    expect(asReader.body.error).toMatchObject(
      listing === 'granted' ? { code: -32602 } : { code: -32003, data: { requiredScopes: ['Admin.Write'] } },
    );
  });
});
