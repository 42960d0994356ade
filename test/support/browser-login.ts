import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext } from 'playwright-core';

/** The demo users of the embedded provider's login page. */
export type DemoUser = 'demo-reader' | 'demo-writer' | 'demo-admin';

/** What a person does on the login and consent page. */
export interface LoginChoice {
  /** Whom to sign in as. When the browser is signed in as someone else, the login fails unless `switchUser`. */
  readonly user: DemoUser;
  /** Pick `user` on the page although the browser is signed in as another user (the page's switch). */
  readonly switchUser?: boolean;
  /** Tick exactly these of the requested scopes; default: all of them. */
  readonly grant?: readonly string[];
}

/** What the page showed, and what came back to the redirect URI. */
export interface LoginOutcome {
  /** The scopes the page listed as requested. */
  readonly requestedScopes: string[];
  /** True when a user was already signed in: the page offered to continue as that user. */
  readonly consentOnly: boolean;
  /** Who was signed in when the page opened, when someone was. */
  readonly signedInAs?: string;
  /** The authorization response's query parameters (`code`, `state`, `iss`), as the redirect URI received them. */
  readonly response: URLSearchParams;
}

/**
 * A loopback redirect URI (RFC 8252 §7.3) with a real listener: the browser is sent here
 * with the authorization response, as it would be to a desktop client.
 */
export class LoopbackRedirect {
  private waiting?: (params: URLSearchParams) => void;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {
    server.on('request', (req, res) => {
      const received = new URL(req.url ?? '/', url);
      // Only the redirect URI itself carries a response (the browser also asks for /favicon.ico).
      if (received.pathname !== new URL(url).pathname) {
        res.writeHead(404).end();
        return;
      }
      const params = received.searchParams;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('Signed in; you may close this window.\n');
      this.waiting?.(params);
      this.waiting = undefined;
    });
  }

  static async start(path = '/callback'): Promise<LoopbackRedirect> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new LoopbackRedirect(server, `http://127.0.0.1:${port}${path}`);
  }

  /** The next authorization response that arrives, within `timeoutMs`. */
  next(timeoutMs = 20_000): Promise<URLSearchParams> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`No authorization response reached ${this.url} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = (params) => {
        clearTimeout(timer);
        resolve(params);
      };
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

/** Raised when the authorization request ends on the provider's error page instead of the login page. */
export class AuthorizationRefused extends Error {
  override readonly name = 'AuthorizationRefused';
}

/**
 * Plays the person in front of the browser: opens the authorization URL, picks the demo
 * user, ticks the chosen scopes, presses Allow, and returns what reached the redirect URI
 * (`redirect`, or, when the client listens there itself, what the browser was sent to).
 */
export async function loginInBrowser(
  context: BrowserContext,
  authorizationUrl: URL,
  redirect: LoopbackRedirect | undefined,
  choice: LoginChoice,
): Promise<LoginOutcome> {
  const redirectUri = redirect?.url ?? authorizationUrl.searchParams.get('redirect_uri') ?? '';
  const page = await context.newPage();
  try {
    await page.goto(authorizationUrl.href);
    if ((await page.locator('form').count()) === 0) {
      throw new AuthorizationRefused(
        `No login page at ${new URL(page.url()).pathname}: ${(await page.locator('body').innerText()).trim()}`,
      );
    }
    const requestedScopes = await page
      .locator('input[name="scope"]')
      .evaluateAll((inputs) => inputs.map((input) => (input as unknown as { value: string }).value));
    const signedInAs = (await page.locator('input[type="hidden"][name="signed_in"]').count())
      ? await page.locator('input[type="hidden"][name="signed_in"]').inputValue()
      : undefined;
    if (signedInAs && signedInAs !== choice.user && !choice.switchUser) {
      throw new Error(`The browser is signed in as ${signedInAs}, not ${choice.user}`);
    }
    // The user signed in (if any) is chosen already; a person picks another one here.
    await page.check(`input[name="user"][value="${choice.user}"]`);
    for (const scope of requestedScopes) {
      const box = page.locator(`input[name="scope"][value="${scope}"]`);
      if (!choice.grant || choice.grant.includes(scope)) await box.check();
      else await box.uncheck();
    }
    const response = redirect?.next();
    await page.click('button[value="allow"]');
    await page
      .waitForURL((url) => url.href.startsWith(redirectUri))
      .catch(async (error: unknown) => {
        const text = await page
          .locator('body')
          .innerText()
          .catch(() => '');
        throw new Error(`After Allow the browser stayed at ${page.url()}: ${text.trim()}`, { cause: error });
      });
    return {
      requestedScopes,
      consentOnly: signedInAs !== undefined,
      signedInAs,
      response: response ? await response : new URL(page.url()).searchParams,
    };
  } finally {
    await page.close();
  }
}
