import { jest } from '@jest/globals';
import { Client, StreamableHTTPClientTransport, UnauthorizedError, auth } from '@modelcontextprotocol/client';
import { rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { startBrowser } from './support/browser.js';
import type { TestBrowser } from './support/browser.js';
import { LoopbackRedirect, loginInBrowser } from './support/browser-login.js';
import type { LoginOutcome } from './support/browser-login.js';
import { BrowserOAuthClient } from './support/browser-oauth-client.js';
import { ReplicaProcess, buildExample } from './support/fleet.js';
import { freePortWithNext } from './support/free-port.js';
import { toolJson } from './support/harness.js';

// A build (first run only), two starts of the example and a browser login.
jest.setTimeout(240_000);

/**
 * `npm start`, stopped and started again, as a developer does all day: the example runs as a real process with its
 * default settings (the identity provider on PORT+1, its key and clients kept in the project's `.data/`), and an
 * SDK client that logged in before the restart carries on after it without a new login.
 */
describe('The example restarted with its default settings', () => {
  let main: string;
  let port: number;
  let browser: TestBrowser;
  let redirect: LoopbackRedirect;
  let example: ReplicaProcess;
  const outcomes: LoginOutcome[] = [];
  let oauth: BrowserOAuthClient;

  beforeAll(async () => {
    main = buildExample();
    [port, browser, redirect] = await Promise.all([freePortWithNext(), startBrowser(), LoopbackRedirect.start()]);
    example = new ReplicaProcess('example', port, { HOST: '127.0.0.1', LOG_LEVEL: 'warn' }, `http://127.0.0.1:${port}/mcp`, main);
    oauth = new BrowserOAuthClient(redirect.url, async (url) => {
      const outcome = await loginInBrowser(browser.context, url, redirect, { user: 'demo-writer' });
      outcomes.push(outcome);
      return outcome.response;
    });
    await example.start();
  });

  afterAll(async () => {
    await example?.stop();
    await redirect?.close();
    await browser?.close();
    // The provider's clients for this test's port; the signing key (shared by every port) stays for the next run.
    if (main && port) rmSync(join(main, '..', '..', '.data', `dev-idp-${port + 1}.sqlite`), { force: true });
  });

  /** Connects the v2 SDK client with the stored OAuth state; logs in through the browser only if the SDK asks for it. */
  async function connect(): Promise<Client> {
    const open = async () => {
      const client = new Client({ name: 'restart-e2e', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(example.resourceUrl), { authProvider: oauth });
      return { client, transport, started: client.connect(transport) };
    };
    const first = await open();
    try {
      await first.started;
      return first.client;
    } catch (error) {
      if (!(error instanceof UnauthorizedError)) throw error;
      await first.transport.finishAuth(oauth.takeResponse());
      await first.client.close();
    }
    const second = await open();
    await second.started;
    return second.client;
  }

  async function whoami(): Promise<{ sub: string }> {
    const client = await connect();
    try {
      return toolJson(await client.callTool({ name: 'whoami', arguments: {} }));
    } finally {
      await client.close();
    }
  }

  it('runs its identity provider on PORT+1 by default', () => {
    expect(example.output()).toContain(`Development identity provider: http://127.0.0.1:${port + 1}`);
  });

  it('keeps a logged-in client working across a restart, without a new login', async () => {
    expect(await whoami()).toMatchObject({ sub: 'demo-writer' });
    expect(outcomes).toHaveLength(1);
    const before = oauth.tokens()!;

    await example.stop();
    await example.start();

    // The stored access token still verifies: same issuer URL, same signing key.
    expect(await whoami()).toMatchObject({ sub: 'demo-writer' });
    expect(outcomes).toHaveLength(1);
    expect(oauth.tokens()!.access_token).toBe(before.access_token);
  });

  it('still knows the client and honours its refresh token after a restart', async () => {
    const before = oauth.tokens()!;
    await example.stop();
    await example.start();

    // What a client does once its access token expired: refresh, with the registration made before the restart.
    expect(await auth(oauth, { serverUrl: new URL(example.resourceUrl) })).toBe('AUTHORIZED');

    const after = oauth.tokens()!;
    expect(after.access_token).not.toBe(before.access_token);
    expect(decodeJwt(after.access_token)).toMatchObject({ sub: 'demo-writer', client_id: oauth.clientInformation()!.client_id });
    expect(await whoami()).toMatchObject({ sub: 'demo-writer' });
    expect(outcomes).toHaveLength(1);
  });
});

describe('The example started where its ports are taken', () => {
  const holders: HttpServer[] = [];
  afterAll(() => Promise.all(holders.map((holder) => new Promise<void>((resolve) => holder.close(() => resolve())))));

  /** Something already listening on `port` (answering 503, so that a readiness probe never waits on it). */
  async function hold(port: number): Promise<void> {
    const holder = createHttpServer((_req, res) => res.writeHead(503).end());
    holders.push(holder);
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
  }

  /** Starts the example on `port`; resolves with the one line it printed before exiting. */
  async function startupFailure(port: number): Promise<string> {
    const example = new ReplicaProcess('example', port, { HOST: '127.0.0.1' }, `http://127.0.0.1:${port}/mcp`, buildExample());
    await expect(example.start()).rejects.toThrow(/exited with 1/);
    const output = example.output().trim();
    expect(output.split('\n')).toHaveLength(1);
    return output;
  }

  it('a second npm start beside a running one (PORT and PORT+1 taken): one line saying it probably runs already, and PORT', async () => {
    const port = await freePortWithNext();
    await hold(port);
    await hold(port + 1);
    expect(await startupFailure(port)).toBe(
      `Startup failed: Port ${port} and its development identity provider's port ${port + 1} are both in use: the example probably ` +
        'runs there already (another npm start?). Stop it, or set PORT to a free port (the provider takes PORT+1).',
    );
  });

  it('PORT alone taken by another server: one line naming PORT, not an EADDRINUSE stack', async () => {
    const port = await freePortWithNext();
    await hold(port);
    expect(await startupFailure(port)).toBe(
      `Startup failed: Port ${port} on 127.0.0.1 is in use (another run of the example, or another server): stop it, or set PORT to a free port.`,
    );
    rmSync(join(buildExample(), '..', '..', '.data', `dev-idp-${port + 1}.sqlite`), { force: true });
  });
});

describe('The example whose identity provider port is taken', () => {
  let holder: Server | undefined;
  afterAll(() => new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve())));

  it('stops at startup with one line naming MCP_EXAMPLE_IDP_PORT', async () => {
    const main = buildExample();
    const port = await freePortWithNext();
    holder = createServer();
    await new Promise<void>((resolve) => holder!.listen(port + 1, '127.0.0.1', resolve));
    const example = new ReplicaProcess('example', port, { HOST: '127.0.0.1' }, `http://127.0.0.1:${port}/mcp`, main);

    await expect(example.start()).rejects.toThrow(/exited with 1/);

    const output = example.output().trim();
    expect(output.split('\n')).toHaveLength(1);
    expect(output).toMatch(/^Startup failed: The development identity provider cannot listen on port \d+: it is in use/);
    expect(output).toContain('set MCP_EXAMPLE_IDP_PORT to a free port');
  });
});
