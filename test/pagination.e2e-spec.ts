import { McpPrompt, McpProvider, McpResource, McpTool, RequireScopes } from 'nestjs-mcp-auth';
import { ERAS, connectEra } from './support/era-clients.js';
import type { Era, EraClient } from './support/era-clients.js';
import { post, postInMode } from './support/harness.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { envelope, modernHeaders } from './support/modern.js';

const PAGE_SIZE = 2;

/** Entries for readers and entries for administrators, interleaved so that every page of an administrator's list mixes both. */
@McpProvider()
class ReaderEntries {
  @McpTool({ name: 'read_a', description: 'r' })
  @RequireScopes('User.Read')
  readA() {
    return 'a';
  }
  @McpTool({ name: 'admin_a', description: 'a' })
  @RequireScopes('Admin.Write')
  adminA() {
    return 'a';
  }
  @McpTool({ name: 'read_b', description: 'r' })
  @RequireScopes('User.Read')
  readB() {
    return 'b';
  }
  @McpTool({ name: 'admin_b', description: 'a' })
  @RequireScopes('Admin.Write')
  adminB() {
    return 'b';
  }

  @McpResource({ uri: 'paged://read/1', name: 'read-1' })
  @RequireScopes('User.Read')
  read1() {
    return '1';
  }
  @McpResource({ uri: 'paged://admin/1', name: 'admin-1' })
  @RequireScopes('Admin.Write')
  admin1() {
    return '1';
  }
  @McpResource({ uri: 'paged://read/2', name: 'read-2' })
  @RequireScopes('User.Read')
  read2() {
    return '2';
  }
  @McpResource({ uri: 'paged://admin/2', name: 'admin-2' })
  @RequireScopes('Admin.Write')
  admin2() {
    return '2';
  }
  @McpResource({ uri: 'paged://read/3', name: 'read-3' })
  @RequireScopes('User.Read')
  read3() {
    return '3';
  }

  @McpResource({ uriTemplate: 'paged://admin-items/{id}', name: 'admin-items' })
  @RequireScopes('Admin.Write')
  adminItems() {
    return 'x';
  }
  @McpResource({ uriTemplate: 'paged://read-items/{id}', name: 'read-items' })
  @RequireScopes('User.Read')
  readItems() {
    return 'x';
  }
  @McpResource({ uriTemplate: 'paged://admin-logs/{id}', name: 'admin-logs' })
  @RequireScopes('Admin.Write')
  adminLogs() {
    return 'x';
  }

  @McpPrompt({ name: 'read_prompt', description: 'r' })
  @RequireScopes('User.Read')
  readPrompt() {
    return 'r';
  }
  @McpPrompt({ name: 'admin_prompt', description: 'a' })
  @RequireScopes('Admin.Write')
  adminPrompt() {
    return 'a';
  }
  @McpPrompt({ name: 'read_prompt_2', description: 'r' })
  @RequireScopes('User.Read')
  readPrompt2() {
    return 'r';
  }
}

type ListName = 'tools' | 'resources' | 'resourceTemplates' | 'prompts';

/** What identifies an entry of each list. */
const keyOf: Record<ListName, (entry: Record<string, unknown>) => string> = {
  tools: (entry) => String(entry.name),
  resources: (entry) => String(entry.uri),
  resourceTemplates: (entry) => String(entry.uriTemplate),
  prompts: (entry) => String(entry.name),
};

const METHODS: Record<ListName, string> = {
  tools: 'tools/list',
  resources: 'resources/list',
  resourceTemplates: 'resources/templates/list',
  prompts: 'prompts/list',
};

/** A list through the client: one page when given a cursor (or from the v1 client), the whole list from the v2 client, which follows the cursors itself. */
async function listThrough(client: EraClient, list: ListName, cursor?: string): Promise<{ keys: string[]; nextCursor?: string }> {
  const params = cursor === undefined ? undefined : { cursor };
  const result =
    list === 'tools'
      ? await client.listTools(params)
      : list === 'resources'
        ? await client.listResources(params)
        : list === 'resourceTemplates'
          ? await client.listResourceTemplates(params)
          : await client.listPrompts(params);
  const entries = (result as unknown as Record<ListName, Array<Record<string, unknown>>>)[list];
  return { keys: entries.map(keyOf[list]), nextCursor: result.nextCursor };
}

/** One page by raw HTTP, as the era's wire carries it (a 2025 request on a session of its own, or a 2026-07-28 request). */
async function rawPage(
  era: Era,
  url: string,
  token: string,
  list: ListName,
  cursor?: string,
): Promise<{ keys: string[]; nextCursor?: string; result: Record<string, unknown> } | { error: { code: number; message: string } }> {
  const params = { ...(cursor === undefined ? {} : { cursor }), ...(era === 'modern' ? { _meta: envelope() } : {}) };
  const body = { jsonrpc: '2.0', id: 1, method: METHODS[list], params };
  const response =
    era === 'modern'
      ? await post(url, body, { token, headers: modernHeaders(METHODS[list]) })
      : await postInMode('session', url, token, body);
  const answer = (await response.json()) as { result?: Record<string, unknown>; error?: { code: number; message: string } };
  if (answer.error) return { error: answer.error };
  const entries = answer.result![list] as Array<Record<string, unknown>>;
  return { keys: entries.map(keyOf[list]), nextCursor: answer.result!.nextCursor as string | undefined, result: answer.result! };
}

/** Pagination with pageSize 2: every list pages, each caller sees its own list and nothing more, with real SDK clients on both eras. */
describe('pagination', () => {
  let app: LibraryApp;
  const clients: EraClient[] = [];

  beforeAll(async () => {
    app = await startLibraryApp({ pageSize: PAGE_SIZE }, [ReaderEntries]);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await app?.close();
  });

  /** What each caller's full list holds, in catalogue order (the test's own provider is discovered before the example's). */
  const expected: Record<'demo-reader' | 'demo-admin', Record<ListName, string[]>> = {
    'demo-reader': {
      tools: ['read_a', 'read_b', 'list_products', 'whoami'],
      resources: ['paged://read/1', 'paged://read/2', 'paged://read/3', 'products://catalog'],
      resourceTemplates: ['paged://read-items/{id}', 'products://items/{id}'],
      prompts: ['read_prompt', 'read_prompt_2'],
    },
    'demo-admin': {
      tools: ['read_a', 'admin_a', 'read_b', 'admin_b', 'list_products', 'create_product', 'import_products', 'delete_product', 'whoami'],
      resources: ['paged://read/1', 'paged://admin/1', 'paged://read/2', 'paged://admin/2', 'paged://read/3', 'products://catalog'],
      resourceTemplates: ['paged://admin-items/{id}', 'paged://read-items/{id}', 'paged://admin-logs/{id}', 'products://items/{id}'],
      prompts: ['read_prompt', 'admin_prompt', 'read_prompt_2', 'product_description'],
    },
  };
  const lists: ListName[] = ['tools', 'resources', 'resourceTemplates', 'prompts'];

  describe.each(ERAS)('%s era', (era) => {
    /** Every page by raw HTTP, following the cursors (at most 20 pages). */
    async function allPages(token: string, list: ListName): Promise<{ pages: string[][]; cursors: string[] }> {
      const pages: string[][] = [];
      const cursors: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await rawPage(era, app.resourceUrl, token, list, cursor);
        if ('error' in page) throw new Error(`${list} page failed: ${page.error.message}`);
        pages.push(page.keys);
        cursor = page.nextCursor;
        if (cursor !== undefined) cursors.push(cursor);
      } while (cursor !== undefined && pages.length < 20);
      return { pages, cursors };
    }

    it.each(['demo-reader', 'demo-admin'] as const)(
      'gives %s its whole filtered list, page by page, each page at most pageSize',
      async (clientId) => {
        const token = await app.token(clientId);
        for (const list of lists) {
          const { pages } = await allPages(token, list);
          expect(pages.length).toBe(Math.ceil(expected[clientId][list].length / PAGE_SIZE));
          expect(pages.every((page) => page.length > 0 && page.length <= PAGE_SIZE)).toBe(true);
          expect({ list, entries: pages.flat() }).toEqual({ list, entries: expected[clientId][list] });
        }
      },
    );

    it.each(['demo-reader', 'demo-admin'] as const)('gives %s the same list through the era’s real SDK client', async (clientId) => {
      const client = await connectEra(era, app.resourceUrl, await app.token(clientId));
      clients.push(client);
      for (const list of lists) {
        // The v1 client returns one page and leaves the cursors to its caller; the v2 client follows them itself.
        const entries: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await listThrough(client, list, cursor);
          entries.push(...page.keys);
          cursor = page.nextCursor;
        } while (cursor !== undefined && entries.length < 50);
        expect({ list, entries }).toEqual({ list, entries: expected[clientId][list] });
      }
    });

    it('shows a reader no administrator entry on any page, even with the administrator’s cursors', async () => {
      const [admin, reader] = [await app.token('demo-admin'), await app.token('demo-reader')];
      for (const list of lists) {
        const { cursors } = await allPages(admin, list);
        expect(cursors.length).toBeGreaterThan(0);
        for (const cursor of cursors) {
          const page = await rawPage(era, app.resourceUrl, reader, list, cursor);
          // A cursor past the end of the reader's own list points nowhere: -32602, never a glimpse of more.
          if ('error' in page) expect(page.error.code).toBe(-32602);
          else for (const key of page.keys) expect(expected['demo-reader'][list]).toContain(key);
        }
      }
    });
  });

  it.each(ERAS)('answers an invalid cursor, or a cursor of another list, with -32602 (%s era)', async (era) => {
    const token = await app.token('demo-admin');
    expect(await rawPage(era, app.resourceUrl, token, 'tools', 'bogus')).toEqual({
      error: expect.objectContaining({ code: -32602, message: expect.stringContaining('Invalid cursor for tools/list') }),
    });
    const prompts = await rawPage(era, app.resourceUrl, token, 'prompts');
    expect(prompts).toMatchObject({ nextCursor: expect.any(String) });
    const promptsCursor = (prompts as { nextCursor: string }).nextCursor;
    expect(await rawPage(era, app.resourceUrl, token, 'tools', promptsCursor)).toEqual({
      error: expect.objectContaining({ code: -32602 }),
    });
  });

  it('marks every page of a 2026-07-28 list private to the caller (cacheScope), with the cursor for the next', async () => {
    const token = await app.token('demo-admin');
    const first = await post(
      app.resourceUrl,
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: envelope() } },
      { token, headers: modernHeaders('tools/list') },
    );
    const page1 = ((await first.json()) as { result: { tools: unknown[]; nextCursor: string; cacheScope: string; ttlMs: number } }).result;
    expect(page1).toMatchObject({ cacheScope: 'private', ttlMs: 0, nextCursor: expect.any(String) });
    expect(page1.tools).toHaveLength(PAGE_SIZE);
    const second = await post(
      app.resourceUrl,
      { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { cursor: page1.nextCursor, _meta: envelope() } },
      { token, headers: modernHeaders('tools/list') },
    );
    expect(((await second.json()) as { result: object }).result).toMatchObject({ cacheScope: 'private', ttlMs: 0 });
  });
});
