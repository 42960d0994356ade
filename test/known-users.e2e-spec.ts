import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openExampleDatabase } from '../src/store/example-database.js';
import { post, rpc, startHarness, toolJson } from './support/harness.js';
import type { Harness } from './support/harness.js';
import { describeOnPlatforms } from './support/platforms.js';

/** The JSON a raw tools/call answer carries as its text content. */
function toolText(response: unknown): unknown {
  return toolJson((response as { result: object }).result);
}

/** validateUser backed by the example's SQLite store: "the user must exist in our system". */
describeOnPlatforms('known users', (_platform, onPlatform) => {
  describe('known users in SQLite', () => {
    let h: Harness;

    beforeAll(async () => {
      h = await startHarness({ ...onPlatform, MCP_EXAMPLE_REQUIRE_KNOWN_USERS: 'true', MCP_STATELESS: 'true' });
    });
    afterAll(() => h?.close());

    it('serves a seeded user', async () => {
      const response = await post(h.resourceUrl, rpc.callTool('whoami'), { token: await h.token('demo-reader') });
      expect(response.status).toBe(200);
    });

    it('refuses a valid, correctly signed token for a subject that is not in the users table with 403', async () => {
      const token = await h.forge(h.claims({ sub: 'someone-else', scope: 'User.Read User.Write Admin.Write' }));
      const response = await post(h.resourceUrl, rpc.callTool('whoami'), { token });
      expect(response.status).toBe(403);
      expect(response.headers.get('www-authenticate')).toBeNull();
      expect(await response.json()).toMatchObject({ error: 'access_denied', error_description: 'The user is not known to this server' });
    });
  });
});

describe('the example database on disk (MCP_EXAMPLE_DB)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-example-db-'));
  const file = join(dir, 'nested', 'example.sqlite');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps products across restarts and refuses a user disabled in the table', async () => {
    let h = await startHarness({ MCP_EXAMPLE_REQUIRE_KNOWN_USERS: 'true', MCP_STATELESS: 'true', MCP_EXAMPLE_DB: file });
    try {
      const created = await post(h.resourceUrl, rpc.callTool('create_product', { name: 'Persistent chair', price: 120 }), {
        token: await h.token('demo-writer'),
      });
      expect(toolText(await created.json())).toMatchObject({ name: 'Persistent chair', price: 120 });
    } finally {
      await h.close();
    }

    const db = openExampleDatabase(file);
    db.run('UPDATE users SET disabled = 1 WHERE sub = ?', ['demo-reader']);
    db.close();

    h = await startHarness({ MCP_EXAMPLE_REQUIRE_KNOWN_USERS: 'true', MCP_STATELESS: 'true', MCP_EXAMPLE_DB: file });
    try {
      const listed = await post(h.resourceUrl, rpc.callTool('list_products'), { token: await h.token('demo-writer') });
      const { products } = toolText(await listed.json()) as { products: Array<{ name: string }> };
      expect(products.map((product) => product.name)).toEqual(['Keyboard', 'Mouse', 'Persistent chair']);
      expect((await post(h.resourceUrl, rpc.callTool('whoami'), { token: await h.token('demo-reader') })).status).toBe(403);
    } finally {
      await h.close();
    }
  });
});
