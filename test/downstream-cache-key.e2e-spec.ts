import { McpTool, McpToolProvider, oidc } from 'nestjs-mcp-auth';
import type { McpToolContext } from 'nestjs-mcp-auth';
import { DEV_TOKEN_EXCHANGE_CLIENT, INVENTORY_SCOPES } from '../src/dev-identity-provider/demo-clients.js';
import { freePort, post, rpc, startTestIdentity } from './support/harness.js';
import type { TestIdentity } from './support/harness.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { answerOf } from './support/sse.js';

const INVENTORY = 'http://127.0.0.1:1/inventory';

/** A tool anyone may call that asks for a downstream token; the identity provider decides what the caller's token allows. */
@McpToolProvider()
class StockReader {
  @McpTool({ name: 'read_stock', description: 'Gets a token to read the stock' })
  async readStock(_args: unknown, ctx: McpToolContext) {
    const token = await ctx.tokenFor({ audience: INVENTORY, scopes: ['stock:read'] });
    return { scopes: token.scopes };
  }
}

/**
 * A downstream token is what the identity provider issued for one of the caller's tokens: which
 * scopes it allows may depend on that token's scopes and client (the development provider grants
 * `stock:read` only for a token holding `User.Read`). A token of the same user that the provider
 * would refuse must not be handed the token another of the user's tokens obtained (a client the
 * user granted less, or the token from before a step-up): the cache is per caller's token
 * grant (client and scopes), not only per user.
 */
describe('downstream tokens are kept per client and scopes of the caller’s token, not only per user', () => {
  let identity: TestIdentity;
  let app: LibraryApp;

  beforeAll(async () => {
    const port = await freePort();
    const resourceUrl = `http://127.0.0.1:${port}/mcp`;
    identity = await startTestIdentity(resourceUrl, {
      tokenExchange: { clients: [DEV_TOKEN_EXCHANGE_CLIENT], targets: { [INVENTORY]: INVENTORY_SCOPES } },
    });
    app = await startLibraryApp(
      {
        issuer: undefined,
        issuers: [oidc({ issuer: identity.idp.issuer, downstream: { ...DEV_TOKEN_EXCHANGE_CLIENT } })],
        stateless: true,
      },
      [StockReader],
      'express',
      { port, identity },
    );
  });
  afterAll(async () => {
    await app?.close();
    await identity?.idp.close();
  });

  /** Calls `read_stock` with a token of alice's from `client` holding `scope`; the tool's answer text and whether it failed. */
  async function readStock(client: string, scope: string): Promise<{ isError: boolean; text: string }> {
    const token = await identity.forge(identity.claims({ sub: 'alice', client_id: client, scope }));
    const response = await post(app.resourceUrl, rpc.callTool('read_stock'), { token });
    const { result } = (await answerOf(response)) as { result: { isError?: boolean; content: Array<{ text: string }> } };
    return { isError: result.isError === true, text: result.content[0].text };
  }

  it('a token the provider refuses stays refused after another token of the same user got one', async () => {
    const refusedAlone = await readStock('limited-client', 'Other.Scope');
    expect(refusedAlone.isError).toBe(true);

    const granted = await readStock('full-client', 'User.Read');
    expect(granted).toEqual({ isError: false, text: JSON.stringify({ scopes: ['stock:read'] }) });
    const exchanges = identity.idp.tokenExchanges();

    // Same user, same API, same scopes asked: still not the other token's downstream token.
    const refusedAfter = await readStock('limited-client', 'Other.Scope');
    expect(refusedAfter).toEqual(refusedAlone);
    // The granted token's own entry still serves it without a new exchange.
    expect(await readStock('full-client', 'User.Read')).toEqual(granted);
    expect(identity.idp.tokenExchanges()).toBe(exchanges);
  });
});
