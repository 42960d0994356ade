import { jest } from '@jest/globals';
import { Client, DpopSession, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { decodeJwt } from 'jose';
import { DEMO_USERS } from '../src/dev-identity-provider/demo-clients.js';
import { startBrowser } from './support/browser.js';
import type { TestBrowser } from './support/browser.js';
import { LoopbackRedirect, loginInBrowser } from './support/browser-login.js';
import type { LoginOutcome } from './support/browser-login.js';
import { BrowserOAuthClient } from './support/browser-oauth-client.js';
import { startHarness, toolJson } from './support/harness.js';
import type { Harness } from './support/harness.js';
import { MODERN } from './support/modern.js';

/** Each MCP request, a login included, ends well within the test's timeout. */
const REQUEST_TIMEOUT_MS = 40_000;

// A login is a browser round trip or two; on a busy two-core machine that can take a few seconds.
jest.setTimeout(90_000);

/**
 * The official SDK v2 client with its own DPoP key (`DpopSession`), end to end: it logs the
 * user in through a real browser at the embedded provider, which binds the tokens to that key,
 * and calls tools on both MCP eras, every request carrying `Authorization: DPoP` and a proof.
 */
describe('SDK v2 client with DPoP, logged in through a real browser (embedded provider, MCP_DPOP=allowed)', () => {
  let browser: TestBrowser;
  let redirect: LoopbackRedirect;
  let h: Harness;
  const clients: Client[] = [];

  beforeAll(async () => {
    browser = await startBrowser();
    redirect = await LoopbackRedirect.start();
    h = await startHarness({ MCP_EXAMPLE_REQUIRE_KNOWN_USERS: 'true' }, { users: DEMO_USERS });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    await h?.close();
    await redirect?.close();
    await browser?.close();
  });

  const transports = new Map<Client, StreamableHTTPClientTransport>();
  const transportOf = (client: Client) => transports.get(client)!;

  /** Connects the v2 client (2025 revisions by default, or pinned to 2026-07-28); a first 401 sends the user to the browser. */
  async function connect(oauth: BrowserOAuthClient, era: 'legacy' | 'modern'): Promise<Client> {
    const open = async () => {
      const client = new Client(
        { name: 'e2e-dpop', version: '1.0.0' },
        era === 'modern' ? { versionNegotiation: { mode: { pin: MODERN } } } : {},
      );
      const transport = new StreamableHTTPClientTransport(new URL(h.resourceUrl), { authProvider: oauth });
      return { client, transport };
    };
    const first = await open();
    try {
      await first.client.connect(first.transport, { timeout: REQUEST_TIMEOUT_MS });
      clients.push(first.client);
      transports.set(first.client, first.transport);
      return first.client;
    } catch (error) {
      if (!(error instanceof UnauthorizedError)) throw error;
    }
    await first.transport.finishAuth(oauth.takeResponse());
    await first.client.close();
    const second = await open();
    await second.client.connect(second.transport, { timeout: REQUEST_TIMEOUT_MS });
    clients.push(second.client);
    transports.set(second.client, second.transport);
    return second.client;
  }

  it('gets tokens bound to its key (cnf.jkt) and calls tools with them on both eras', async () => {
    const dpop = await DpopSession.create();
    const logins: LoginOutcome[] = [];
    const oauth = new BrowserOAuthClient(
      redirect.url,
      async (url) => {
        // The first visit signs in and grants the baseline; the step-up visit asks for consent only.
        const outcome = await loginInBrowser(browser.context, url, redirect, { user: 'demo-writer' });
        logins.push(outcome);
        return outcome.response;
      },
      { dpop },
    );

    const modern = await connect(oauth, 'modern');
    expect(modern.getProtocolEra()).toBe('modern');
    expect(logins).toHaveLength(1);
    // The provider bound the token to the client's key: a DPoP token, its thumbprint in cnf.jkt.
    const tokens = oauth.tokens()!;
    expect(tokens.token_type).toMatch(/^dpop$/i);
    expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: 'demo-writer', aud: h.resourceUrl, cnf: { jkt: dpop.thumbprint } });
    // Accepted only with a proof of that key: this server refuses a bound token presented as Bearer.
    expect(toolJson(await modern.callTool({ name: 'whoami', arguments: {} }))).toMatchObject({ sub: 'demo-writer' });
    // Step-up over DPoP: the 403 names the scope on the DPoP challenge, the user consents, the new token is bound too.
    const create = () => modern.callTool({ name: 'create_product', arguments: { name: 'Bound lamp', price: 9 } });
    await expect(create()).rejects.toBeInstanceOf(UnauthorizedError);
    expect(logins).toHaveLength(2);
    expect(logins[1].requestedScopes).toContain('User.Write');
    await transportOf(modern).finishAuth(oauth.takeResponse());
    expect(decodeJwt(oauth.tokens()!.access_token)).toMatchObject({
      cnf: { jkt: dpop.thumbprint },
      scope: expect.stringMatching(/User\.Write/),
    });
    expect(toolJson(await create())).toMatchObject({ name: 'Bound lamp' });

    // The same client on the 2025 revisions (initialize, a session): no further login, the same bound token.
    const legacy = await connect(oauth, 'legacy');
    expect(legacy.getProtocolEra()).toBe('legacy');
    expect(logins).toHaveLength(2);
    expect(toolJson(await legacy.callTool({ name: 'whoami', arguments: {} }))).toMatchObject({ sub: 'demo-writer' });
    const listed = toolJson(await legacy.callTool({ name: 'list_products', arguments: {} }));
    expect(listed.products.map((product: { name: string }) => product.name)).toContain('Bound lamp');

    // And the token is worth nothing as a bearer token to whoever copies it.
    const stolen = await fetch(h.resourceUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.access_token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(stolen.status).toBe(401);
    await stolen.body?.cancel();
  });
});
