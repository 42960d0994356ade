import { jest } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { bootstrap } from '../src/main.js';
import { parseCurl, run } from './support/curl.js';
import { freePort, toolJson } from './support/harness.js';
import { HELD_BACK_LINES } from './support/held-back-logger.js';

/** `npm start`'s banner, read and used the way a newcomer would: every printed line must work as printed. */
describe('The first-run banner (embedded development provider, default resource URL)', () => {
  let port: number;
  let idpPort: number;
  let banner: string[];
  let logLine: string;
  let app: { close(): Promise<void> };
  /** What the example's logger writes (LOG_LEVEL=log: the listening line, then an audit line per call), kept off the test output. */
  const written: string[] = [];
  let write: { mockRestore(): void } | undefined;

  const stateDir = mkdtempSync(join(tmpdir(), 'mcp-banner-'));

  beforeAll(async () => {
    [port, idpPort] = await Promise.all([freePort(), freePort()]);
    const printed: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')));
    write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      app = await bootstrap({
        PORT: String(port),
        HOST: '127.0.0.1',
        MCP_EXAMPLE_IDP_PORT: String(idpPort),
        // Kept out of the project's .data/ (test/example-restart.e2e-spec.ts runs the defaults).
        MCP_EXAMPLE_IDP_KEY_FILE: join(stateDir, 'key.json'),
        MCP_EXAMPLE_IDP_DB: ':memory:',
        LOG_LEVEL: 'log',
      });
    } finally {
      log.mockRestore();
    }
    banner = printed.join('\n').split('\n');
    // Written by the example's console logger, or held back with the Nest lines when the tests' set-up holds that logger back.
    const heldBack = (globalThis as Record<string, unknown>)[HELD_BACK_LINES] as string[] | undefined;
    logLine = [...written, ...(heldBack ?? [])].find((line) => line.includes('Listening on')) ?? '';
  });
  afterAll(async () => {
    await app?.close();
    write?.mockRestore();
    rmSync(stateDir, { recursive: true, force: true });
  });

  /** The one banner line that starts with `label`, without the label. */
  function line(label: string): string {
    const found = banner.filter((text) => text.trimStart().startsWith(label));
    expect(found).toHaveLength(1);
    return found[0].trimStart().slice(label.length).trim();
  }

  const resourceUrl = () => line('MCP endpoint (connect here; also the OAuth resource URL):');

  it('prints one URL to connect to: the resource URL, at the address the server is reached at', async () => {
    expect(resourceUrl()).toBe(`http://127.0.0.1:${port}/mcp`);
    const response = await fetch(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`);
    const metadata = (await response.json()) as { resource: string; authorization_servers: string[] };
    expect(metadata.resource).toBe(resourceUrl());
    expect(metadata.authorization_servers).toEqual([`http://127.0.0.1:${idpPort}`]);
    expect(line('Development identity provider:')).toBe(`http://127.0.0.1:${idpPort}`);
  });

  it('logs the listening address apart from the URL to connect to', () => {
    expect(logLine).toContain(`Listening on 127.0.0.1:${port};`);
    expect(logLine).toContain(`MCP endpoint ${resourceUrl()} `);
    expect(logLine).toContain('platform express'); // MCP_EXAMPLE_PLATFORM's default
  });

  it('gives every client line the resource URL exactly', () => {
    const url = resourceUrl();
    expect(line('MCP Inspector (UI):')).toBe(`npx -y @modelcontextprotocol/inspector@2.12.0 --transport http --server-url ${url}`);
    expect(line('MCP Inspector (CLI):')).toBe(
      `npx -y @modelcontextprotocol/inspector@2.12.0 --cli ${url} --transport http --client-id mcp-inspector-cli --method tools/list`,
    );
    expect(banner.join('\n')).toContain('(the Inspector needs Node.js 22.19 or later: check with node --version)');
    expect(line('Claude Code:')).toBe(`claude mcp add --transport http product-catalog ${url}`);
    expect(JSON.parse(line('VS Code (.vscode/mcp.json):'))).toEqual({ servers: { 'product-catalog': { type: 'http', url } } });
    // The script itself runs in a real browser login in test/browser-login.e2e-spec.ts.
    expect(line('SDK client:').startsWith(`node scripts/connect-with-sdk.mjs ${url} whoami `)).toBe(true);
    expect(existsSync(line('SDK client:').split(' ')[1])).toBe(true);
  });

  it("gives the Inspector's CLI a client id the provider knows, with the CLI's default callback", async () => {
    const clientId = / --client-id (\S+) /.exec(line('MCP Inspector (CLI):'))![1];
    const authorization = new URL(`http://127.0.0.1:${idpPort}/auth`);
    for (const [name, value] of Object.entries({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: 'http://127.0.0.1:6276/oauth/callback',
      scope: 'User.Read',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      resource: resourceUrl(),
    }))
      authorization.searchParams.set(name, value);
    const response = await fetch(authorization, { redirect: 'manual' });
    await response.body?.cancel();
    // To the login and consent page, not to an error page about an unknown client or redirect URI.
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/interaction\//);
  });

  it('says how each client steps up, with every tool listed (MCP_LISTING=all, the example default)', () => {
    const text = banner.join('\n');
    expect(text).toContain('every tool is listed with the scopes it needs (MCP_LISTING=all)');
    const cli = banner.find((text) => text.includes('--tool-name delete_product'))!.trim();
    expect(cli).toBe(
      `Inspector CLI:       npx -y @modelcontextprotocol/inspector@2.12.0 --cli ${resourceUrl()} --transport http --client-id mcp-inspector-cli --method tools/call --tool-name delete_product --tool-arg id=2`,
    );
    expect(text).toContain(`node scripts/connect-with-sdk.mjs ${resourceUrl()} delete_product '{"id":2}'`);
  });

  it('prints token commands that get each demo role a token for this resource', async () => {
    const commands = banner.filter((text) => text.trimStart().startsWith('curl -s -u demo-'));
    expect(commands).toHaveLength(3);
    for (const command of commands) {
      const curl = parseCurl(command.trim(), {});
      const response = await run(curl);
      expect(response.status).toBe(200);
      const { access_token: token } = (await response.json()) as { access_token: string };
      const claims = decodeJwt(token);
      expect(claims.aud).toBe(resourceUrl());
      expect(claims.sub).toBe(curl.user!.split(':')[0]);
    }
  });

  it('prints a tool call that works as printed: token, session, whoami', async () => {
    const tokenLine = line('TOKEN=$(');
    const sessionLine = line('SESSION=$(');
    const callLine = banner.find((text) => text.includes('"method":"tools/call"'))!.trim();
    const token = ((await (await run(parseCurl(/^(curl .*?) \| node/.exec(tokenLine)![1], {}))).json()) as { access_token: string })
      .access_token;
    const initialize = await run(parseCurl(/^(curl .*?) \| awk/.exec(sessionLine)![1], { TOKEN: token }));
    expect(initialize.status).toBe(200);
    const session = initialize.headers.get('mcp-session-id')!;
    await initialize.text();
    const call = await run(parseCurl(callLine, { TOKEN: token, SESSION: session }));
    expect(call.status).toBe(200);
    const body = await call.text();
    const message = JSON.parse(body.startsWith('{') ? body : /^data: (.*)$/m.exec(body)![1]);
    expect(toolJson(message.result)).toMatchObject({ sub: 'demo-admin' });
  });

  it('lets an SDK client started from the printed URL discover everything and call a tool (no "resource does not match")', async () => {
    const authProvider = new ClientCredentialsProvider({
      clientId: 'demo-reader',
      clientSecret: 'demo-reader-secret',
      scope: 'User.Read',
      expectedIssuer: line('Development identity provider:'),
    });
    const client = new Client({ name: 'banner-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(resourceUrl()), { authProvider }));
    try {
      const whoami = toolJson(await client.callTool({ name: 'whoami', arguments: {} }));
      expect(whoami).toMatchObject({ sub: 'demo-reader' });
      expect(decodeJwt(authProvider.tokens()!.access_token).aud).toBe(resourceUrl());
    } finally {
      await client.close();
    }
  });
});
