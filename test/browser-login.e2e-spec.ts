import { jest } from '@jest/globals';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
  UnauthorizedError as UnauthorizedV2,
} from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError as UnauthorizedV1, auth as authV1 } from '@modelcontextprotocol/sdk/client/auth.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { spawn } from 'node:child_process';
import { decodeJwt } from 'jose';
import { DEMO_USERS } from '../src/dev-identity-provider/demo-clients.js';
import { startBrowser } from './support/browser.js';
import type { TestBrowser } from './support/browser.js';
import { AuthorizationRefused, LoopbackRedirect, loginInBrowser } from './support/browser-login.js';
import type { LoginChoice, LoginOutcome } from './support/browser-login.js';
import { BrowserOAuthClient } from './support/browser-oauth-client.js';
import { ClientMetadataServer } from './support/client-metadata-server.js';
import { startHarness, toolJson } from './support/harness.js';
import type { Harness } from './support/harness.js';

/** One SDK line's client, transport and "log in first" error, so each test runs on both. */
interface SdkLine {
  readonly name: string;
  connect(url: string, oauth: BrowserOAuthClient): Promise<Connected>;
}

/** A connected client, and the way it finishes a browser login it was sent to. */
interface Connected {
  callTool(name: string, args?: Record<string, unknown>): Promise<{ isError?: boolean; content?: unknown }>;
  finishAuth(response: URLSearchParams): Promise<void>;
  isLoginRequired(error: unknown): boolean;
  close(): Promise<void>;
}

/** Each MCP request, the logins it may wait for included, ends well within the test's timeout. */
const REQUEST_TIMEOUT_MS = 40_000;

const V1: SdkLine = {
  name: 'v1 (@modelcontextprotocol/sdk)',
  connect: (url, oauth) =>
    connectAfterLogin(
      oauth,
      (error) => error instanceof UnauthorizedV1,
      async () => {
        const transport = new TransportV1(new URL(url), { authProvider: oauth });
        // The user confirms what a tool asks (delete_product does, before it deletes).
        const client = new ClientV1({ name: 'e2e-browser-v1', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
        client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { confirm: true } }));
        return {
          start: () => client.connect(transport, { timeout: REQUEST_TIMEOUT_MS }),
          connected: {
            callTool: (name, args = {}) =>
              client.callTool({ name, arguments: args }, undefined, { timeout: REQUEST_TIMEOUT_MS }) as Promise<{
                isError?: boolean;
                content?: unknown;
              }>,
            finishAuth: (response) => transport.finishAuth(response.get('code') ?? ''),
            isLoginRequired: (error) => error instanceof UnauthorizedV1,
            close: () => client.close(),
          },
        };
      },
    ),
};

const V2: SdkLine = {
  name: 'v2 (@modelcontextprotocol/client)',
  connect: (url, oauth) =>
    connectAfterLogin(
      oauth,
      (error) => error instanceof UnauthorizedV2,
      async () => {
        const transport = new TransportV2(new URL(url), { authProvider: oauth });
        const client = new ClientV2({ name: 'e2e-browser-v2', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
        client.setRequestHandler('elicitation/create', () => ({ action: 'accept', content: { confirm: true } }));
        return {
          start: () => client.connect(transport, { timeout: REQUEST_TIMEOUT_MS }),
          connected: {
            callTool: (name, args = {}) =>
              client.callTool({ name, arguments: args }, { timeout: REQUEST_TIMEOUT_MS }) as Promise<{
                isError?: boolean;
                content?: unknown;
              }>,
            finishAuth: (response) => transport.finishAuth(response),
            isLoginRequired: (error) => error instanceof UnauthorizedV2,
            close: () => client.close(),
          },
        };
      },
    ),
};

/**
 * Connects the way an interactive client does: the first attempt meets the 401, the SDK
 * sends the user to the browser (where the test logs in) and stops with "log in first";
 * the client finishes with the code the redirect URI received and connects again.
 */
async function connectAfterLogin(
  oauth: BrowserOAuthClient,
  isLoginRequired: (error: unknown) => boolean,
  open: () => Promise<{ start(): Promise<void>; connected: Connected }>,
): Promise<Connected> {
  const first = await open();
  try {
    await first.start();
    return first.connected;
  } catch (error) {
    if (!isLoginRequired(error)) throw error;
  }
  await first.connected.finishAuth(oauth.takeResponse());
  await first.connected.close();
  const second = await open();
  await second.start().catch((error: unknown) => {
    throw new Error(`Connecting again after the login failed: ${String(error)}`, { cause: error });
  });
  return second.connected;
}

/** Calls a tool; when the SDK stopped to send the user to the browser (step-up), finishes that login and calls again. */
async function callAfterStepUp(connected: Connected, oauth: BrowserOAuthClient, name: string, args: Record<string, unknown>) {
  try {
    return await connected.callTool(name, args);
  } catch (error) {
    if (!connected.isLoginRequired(error)) throw error;
  }
  await connected.finishAuth(oauth.takeResponse());
  return connected.callTool(name, args);
}

// A login is a browser round trip or two; on a busy two-core machine that can take a few seconds.
jest.setTimeout(90_000);

describe('Interactive login through a real browser (embedded development provider)', () => {
  let browser: TestBrowser;
  let redirect: LoopbackRedirect;
  let documents: ClientMetadataServer;
  let h: Harness;
  const open: Connected[] = [];

  beforeAll(async () => {
    browser = await startBrowser();
    redirect = await LoopbackRedirect.start();
    documents = await ClientMetadataServer.start();
    // As with `npm start`: only the example database's known users get in, so every login below also
    // proves the provider's users are those users. The provider fetches metadata documents from the test's server.
    h = await startHarness({ MCP_EXAMPLE_REQUIRE_KNOWN_USERS: 'true' }, { users: DEMO_USERS, fetch: documents.fetch });
  }, 60_000);

  // Each test is a person at a browser nobody signed in to yet; within a test the sign-in lasts (step-up).
  beforeEach(() => browser.context.clearCookies());

  afterAll(async () => {
    await Promise.all(open.map((client) => client.close().catch(() => undefined)));
    await h?.close();
    await documents?.close();
    await redirect?.close();
    await browser?.close();
  });

  /** An interactive client whose user makes the given choices, one per login, in order. */
  function oauthClient(choices: LoginChoice[], options: ConstructorParameters<typeof BrowserOAuthClient>[2] = {}) {
    const outcomes: LoginOutcome[] = [];
    const oauth = new BrowserOAuthClient(
      redirect.url,
      async (url) => {
        const choice = choices[outcomes.length];
        if (!choice) throw new Error(`unexpected login #${outcomes.length + 1}`);
        const outcome = await loginInBrowser(browser.context, url, redirect, choice);
        outcomes.push(outcome);
        return outcome.response;
      },
      options,
    );
    return { oauth, outcomes };
  }

  async function connect(line: SdkLine, oauth: BrowserOAuthClient): Promise<Connected> {
    const connected = await line.connect(h.resourceUrl, oauth);
    open.push(connected);
    return connected;
  }

  describe.each([V1, V2])('SDK client $name', (line) => {
    it('registers dynamically, logs the user in with authorization code + PKCE, and calls a tool as that user', async () => {
      const { oauth, outcomes } = oauthClient([{ user: 'demo-writer' }]);
      const client = await connect(line, oauth);

      // One login: the SDK registered (RFC 7591) a public client and sent the browser to the provider with PKCE S256.
      expect(outcomes).toHaveLength(1);
      expect(outcomes[0].consentOnly).toBe(false);
      const registered = oauth.clientInformation();
      expect(registered?.client_id).toEqual(expect.any(String));
      expect(registered?.client_id).not.toMatch(/^https:/);
      expect((registered as { token_endpoint_auth_method?: string }).token_endpoint_auth_method).toBe('none');
      const authorization = oauth.authorizations[0];
      expect(authorization.origin + authorization.pathname).toBe(h.idp.authorizationEndpoint);
      expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorization.searchParams.get('resource')).toBe(h.resourceUrl);

      // The token names the user, the client and the resource (RFC 8707), and comes with a refresh token.
      const tokens = oauth.tokens()!;
      const claims = decodeJwt(tokens.access_token);
      expect(claims).toMatchObject({ iss: h.idp.issuer, sub: 'demo-writer', aud: h.resourceUrl, client_id: registered!.client_id });
      expect(tokens.refresh_token).toEqual(expect.any(String));
      expect(claims.scope).not.toMatch(/offline_access/);

      const whoami = toolJson(await client.callTool('whoami'));
      expect(whoami).toMatchObject({ sub: 'demo-writer', clientId: registered!.client_id });
      expect(whoami.scopes).toContain('User.Read');
      expect(whoami.scopes).not.toContain('Admin.Write');
    });

    it('steps up: a user who granted only User.Read calls delete_product, consents to Admin.Write, and the call succeeds', async () => {
      const { oauth, outcomes } = oauthClient(
        [{ user: 'demo-admin', grant: ['User.Read'] }, { user: 'demo-admin' }],
        line === V1 ? { keepRefreshToken: false } : {},
      );
      const client = await connect(line, oauth);
      expect(toolJson(await client.callTool('whoami')).scopes).toEqual(['User.Read']);

      const created = toolJson(await client.callTool('list_products'));
      const victim = created.products[created.products.length - 1];
      const deleted = await callAfterStepUp(client, oauth, 'delete_product', { id: victim.id });

      expect(deleted.isError).toBeFalsy();
      expect(toolJson(deleted)).toMatchObject({ id: victim.id });
      // The second visit to the provider was the step-up: the browser was still signed in, so
      // the page asked for consent only, and the request named the scope the 403 challenged.
      expect(outcomes).toHaveLength(2);
      expect(outcomes[1].consentOnly).toBe(true);
      expect(outcomes[1].requestedScopes).toContain('Admin.Write');
      expect(oauth.requestedScopes()[1].split(' ')).toContain('Admin.Write');
      expect(decodeJwt(oauth.tokens()!.access_token).scope).toMatch(/\bAdmin\.Write\b/);
    });
  });

  it('v1 SDK client: a refresh token is used without the browser, and still names the user and the resource', async () => {
    const { oauth, outcomes } = oauthClient([{ user: 'demo-reader' }]);
    await connect(V1, oauth);
    const before = oauth.tokens()!;

    const result = await authV1(oauth, { serverUrl: new URL(h.resourceUrl) });

    expect(result).toBe('AUTHORIZED');
    expect(outcomes).toHaveLength(1);
    const after = oauth.tokens()!;
    expect(after.access_token).not.toBe(before.access_token);
    expect(decodeJwt(after.access_token)).toMatchObject({ sub: 'demo-reader', aud: h.resourceUrl });
  });

  it('a user who may not hold a scope is asked for it on step-up but does not get it, even when ticked', async () => {
    const { oauth, outcomes } = oauthClient([{ user: 'demo-reader' }, { user: 'demo-reader' }]);
    const client = await connect(V2, oauth);

    const forbidden = client.callTool('delete_product', { id: 1 });

    // The 403 sent the reader back to the consent page, which listed (and ticked) Admin.Write...
    await expect(forbidden).rejects.toBeInstanceOf(UnauthorizedV2);
    expect(outcomes[1].consentOnly).toBe(true);
    expect(outcomes[1].requestedScopes).toContain('Admin.Write');
    // ...but the token the client gets does not carry it: the reader may not hold it.
    await client.finishAuth(oauth.takeResponse());
    expect(decodeJwt(oauth.tokens()!.access_token).scope).not.toMatch(/Admin\.Write/);
    const whoami = toolJson(await client.callTool('whoami'));
    expect(whoami.sub).toBe('demo-reader');
    expect(whoami.scopes).not.toContain('Admin.Write');
  });

  it('v1 SDK client keeping a refresh token refreshes instead of asking the user on a 403, so its step-up fails (known SDK limitation)', async () => {
    const { oauth, outcomes } = oauthClient([{ user: 'demo-admin', grant: ['User.Read'] }]);
    const client = await connect(V1, oauth);

    await expect(client.callTool('delete_product', { id: 1 })).rejects.toThrow(/403/);
    // No second visit to the consent page: the SDK refreshed (same scope) and gave up on the repeated 403.
    expect(outcomes).toHaveLength(1);
    expect(decodeJwt(oauth.tokens()!.access_token).scope).toBe('User.Read');
  });

  it('lets a client running in a page on a loopback origin register itself (CORS), and no other origin', async () => {
    const page = await browser.context.newPage();
    try {
      // A page on the redirect listener's origin (http://127.0.0.1:<port>), as the Inspector's web UI is on localhost.
      await page.goto(redirect.url);
      const registration = { client_name: 'in-page client', redirect_uris: [redirect.url], token_endpoint_auth_method: 'none' };
      const fromPage = await page.evaluate(
        async ({ endpoint, body }) => {
          const response = await fetch(endpoint, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          return { status: response.status, clientId: ((await response.json()) as { client_id?: string }).client_id };
        },
        { endpoint: h.idp.registrationEndpoint!, body: registration },
      );
      expect(fromPage).toEqual({ status: 201, clientId: expect.any(String) });
    } finally {
      await page.close();
    }
    const foreign = await fetch(h.idp.registrationEndpoint!, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    await foreign.body?.cancel();
  });

  /**
   * Runs `scripts/connect-with-sdk.mjs` (the banner's ready-to-run SDK client) and plays the user
   * for every authorization URL it prints. Bounded: the script is stopped after 60 s.
   */
  async function runSdkScript(args: string[], choices: LoginChoice[]) {
    const child = spawn(process.execPath, ['scripts/connect-with-sdk.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const outcomes: LoginOutcome[] = [];
    let logins: Promise<unknown> = Promise.resolve();
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines.filter((text) => text.startsWith(`${h.idp.authorizationEndpoint}?`))) {
        logins = logins.then(async () => {
          const choice = choices[outcomes.length];
          if (!choice) throw new Error(`unexpected login #${outcomes.length + 1}`);
          outcomes.push(await loginInBrowser(browser.context, new URL(line), undefined, choice));
        });
      }
    });
    const stop = setTimeout(() => child.kill(), 60_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(stop);
    await logins;
    return { code, result: stdout ? JSON.parse(stdout) : undefined, stderr, outcomes };
  }

  it('the SDK script the banner points to logs the user in through the browser, steps up, and calls the tool', async () => {
    const { code, result, outcomes } = await runSdkScript(
      [h.resourceUrl, 'create_product', JSON.stringify({ name: 'Lamp', price: 12 })],
      [{ user: 'demo-writer', grant: ['User.Read'] }, { user: 'demo-writer' }],
    );

    expect(code).toBe(0);
    expect(toolJson(result)).toMatchObject({ name: 'Lamp', price: 12 });
    // First the login (User.Read granted only), then the step-up for the scope create_product needs.
    expect(outcomes.map((outcome) => outcome.consentOnly)).toEqual([false, true]);
    expect(outcomes[1].requestedScopes).toContain('User.Write');
  });

  it('the SDK script ends with one line when the user cannot hold the scope a step-up asks for (no third consent page)', async () => {
    const { code, result, stderr, outcomes } = await runSdkScript(
      [h.resourceUrl, 'delete_product', JSON.stringify({ id: 1 })],
      [{ user: 'demo-reader' }, { user: 'demo-reader' }],
    );

    expect(code).toBe(1);
    expect(result).toBeUndefined();
    // The login, then the step-up the reader cannot get; no more visits to the provider.
    expect(outcomes).toHaveLength(2);
    expect(outcomes[1].requestedScopes).toContain('Admin.Write');
    const lines = stderr.trim().split('\n');
    expect(lines.filter((line) => line.startsWith(h.idp.authorizationEndpoint))).toHaveLength(2);
    expect(lines[lines.length - 1]).toBe(
      'delete_product needs Admin.Write, which demo-reader was not granted: run this again and, on the consent page, pick a user who may hold it.',
    );
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('lets a signed-in user switch to another demo user on the consent page (a step-up granted by someone else)', async () => {
    const { oauth, outcomes } = oauthClient([{ user: 'demo-reader' }, { user: 'demo-admin', switchUser: true }]);
    const reader = await connect(V2, oauth);
    expect(toolJson(await reader.callTool('whoami')).sub).toBe('demo-reader');

    // The reader meets the 403; on the consent page the person picks demo-admin instead of the signed-in reader.
    await expect(reader.callTool('delete_product', { id: 1 })).rejects.toBeInstanceOf(UnauthorizedV2);
    expect(outcomes[1]).toMatchObject({ consentOnly: true, signedInAs: 'demo-reader' });
    await reader.finishAuth(oauth.takeResponse());

    const claims = decodeJwt(oauth.tokens()!.access_token);
    expect(claims.sub).toBe('demo-admin');
    expect(claims.scope).toMatch(/\bAdmin\.Write\b/);
    // A new user is a new caller: the legacy session of the reader is not theirs, so the client connects again.
    const admin = await connect(V2, oauth);
    expect(toolJson(await admin.callTool('whoami')).sub).toBe('demo-admin');
    expect(outcomes).toHaveLength(2);
  });

  describe('client ID metadata documents', () => {
    const honest = (redirectUri: string) => (url: string) => ({
      client_id: url,
      client_name: 'e2e metadata-document client',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });

    it.each([V1, V2])('a client whose id is its metadata document URL logs in without registering ($name)', async (line) => {
      const clientId = documents.serve(`/clients/honest-${line === V1 ? 'v1' : 'v2'}.json`, honest(redirect.url));
      const { oauth } = oauthClient([{ user: 'demo-reader' }], { clientMetadataUrl: clientId });
      const client = await connect(line, oauth);

      expect(oauth.clientInformation()?.client_id).toBe(clientId);
      expect(oauth.authorizations[0].searchParams.get('client_id')).toBe(clientId);
      expect(toolJson(await client.callTool('whoami'))).toMatchObject({ sub: 'demo-reader', clientId });
    });

    it.each([
      {
        lie: 'a redirect URI the document does not list',
        path: '/clients/wrong-redirect.json',
        document: (url: string) => ({ ...honest('http://127.0.0.1:9/elsewhere')(url) }),
        refusal: /redirect_uri/,
      },
      {
        lie: 'a client_id that is not the document URL',
        path: '/clients/wrong-id.json',
        document: (url: string) => ({ ...honest(redirect.url)(url), client_id: `${url}-someone-else` }),
        refusal: /client_id|invalid_client/,
      },
    ])('a client whose metadata document lies is refused: $lie', async ({ path, document, refusal }) => {
      const clientId = documents.serve(path, document);
      const { oauth, outcomes } = oauthClient([{ user: 'demo-admin' }], { clientMetadataUrl: clientId });

      const attempt = connect(V2, oauth);

      await expect(attempt).rejects.toThrow(AuthorizationRefused);
      await expect(attempt).rejects.toThrow(refusal);
      expect(outcomes).toHaveLength(0);
      expect(oauth.tokens()).toBeUndefined();
    });
  });
});
