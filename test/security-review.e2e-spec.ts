import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Injectable } from '@nestjs/common';
import { McpTool, McpToolProvider, RequireScopes, keycloak } from 'nestjs-mcp-auth';
import { connectMcpClient } from 'nestjs-mcp-auth/testing';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CountingIntrospectionEndpoint } from './support/counting-introspection.js';
import { openSession, parseChallenge, post, rpc, startHarness, toolNames } from './support/harness.js';
import type { Harness } from './support/harness.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';

/**
 * The findings of the external security review (issue 11), each named after its id and
 * shown on the wire, through the example or the library in a test application, with real
 * identity providers and the official SDK client on loopback. The transport findings (H1,
 * L5, GET stream, unknown tool, session_not_owned) are in security-review-transport.e2e-spec.ts.
 */

/** A loopback server posing as an attacker's protected resource and authorization server, counting what it is asked. */
class AttackerServer {
  readonly requests: string[] = [];
  private server?: Server;
  url = '';

  async start(resourceUrl: string): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests.push(req.url ?? '');
      const asAuthorizationServer = (req.url ?? '').includes('authorization-server') || (req.url ?? '').includes('openid-configuration');
      const body = asAuthorizationServer
        ? {
            issuer: this.url,
            authorization_endpoint: `${this.url}/authorize`,
            token_endpoint: `${this.url}/token`,
            response_types_supported: ['code'],
            code_challenge_methods_supported: ['S256'],
          }
        : { resource: resourceUrl, authorization_servers: [this.url], scopes_supported: ['Admin.Write'] };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** What an MCP host does with the SDK's OAuth support, recording where it would send the user. */
class RecordingOAuthProvider implements OAuthClientProvider {
  redirectedTo?: URL;
  private verifier = '';

  constructor(private readonly accessToken: string) {}

  get redirectUrl(): string {
    return 'http://127.0.0.1:1/callback';
  }
  get clientMetadata() {
    return { client_name: 'security-review', redirect_uris: [this.redirectUrl] };
  }
  clientInformation() {
    return { client_id: 'demo-reader' };
  }
  tokens() {
    return { access_token: this.accessToken, token_type: 'Bearer' };
  }
  saveTokens(): void {}
  redirectToAuthorization(url: URL): void {
    this.redirectedTo = url;
  }
  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }
  codeVerifier(): string {
    return this.verifier;
  }
}

describe('security review findings on the example server', () => {
  let h: Harness;
  const attacker = new AttackerServer();

  beforeAll(async () => {
    h = await startHarness();
    await attacker.start(h.resourceUrl);
  });
  afterAll(async () => {
    await attacker.stop();
    await h?.close();
  });

  describe('M1 caller text never reaches a challenge', () => {
    /** A URI the resource template `products://items/{id}` matches, carrying parameters of the attacker's choosing. */
    const smuggling = () => `products://items/1 resource_metadata=${attacker.url.replace('://', ':')} scope=Admin.Write`;

    it('M1 the official SDK client stays with the real authorization server when a resource URI carries challenge parameters', async () => {
      // A valid token without User.Read: reading the product needs a step-up.
      const provider = new RecordingOAuthProvider(await h.forge(h.claims({ scope: 'openid' })));
      const client = new Client({ name: 'security-review', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(h.resourceUrl), { authProvider: provider }));
      try {
        await expect(client.readResource({ uri: smuggling() })).rejects.toThrow();
      } finally {
        await client.close();
      }
      expect(attacker.requests).toEqual([]);
      expect(provider.redirectedTo).toBeDefined();
      expect(provider.redirectedTo!.origin).toBe(new URL(h.idp.issuer).origin);
      expect(provider.redirectedTo!.searchParams.get('scope')).toBe('User.Read');
    });

    it('M1 the 403 challenge names the registered resource, and every value is within RFC 6750', async () => {
      const token = await h.forge(h.claims({ scope: 'openid' }));
      const sessionId = await openSession(h.resourceUrl, token);
      const response = await post(h.resourceUrl, rpc.readResource(`${smuggling()} "quoted\\"`), {
        token,
        headers: { 'mcp-session-id': sessionId },
      });
      expect(response.status).toBe(403);
      expect(response.headers.get('www-authenticate')).toBe(
        `Bearer error="insufficient_scope", error_description="Resource product requires scope: User.Read", scope="User.Read", resource_metadata="${h.metadataUrl}"`,
      );
    });
  });

  it('M3 a delegated token is limited to its granted scopes: roles do not widen it', async () => {
    const token = await h.forge(h.claims({ scope: 'User.Read', roles: ['Admin.Write'], realm_access: { roles: ['Admin.Write'] } }));
    const client = await connectMcpClient(h.resourceUrl, token);
    try {
      expect(await toolNames(client)).toEqual(['list_products', 'whoami']);
      await expect(client.callTool({ name: 'delete_product', arguments: { id: 1 } })).rejects.toMatchObject({ code: 403 });
    } finally {
      await client.close();
    }
    // An app-only token (no scope claim): its roles are its permissions.
    const app = await connectMcpClient(h.resourceUrl, await h.forge(h.claims({ scope: undefined, roles: ['Admin.Write'] })));
    try {
      expect(await toolNames(app)).toContain('delete_product');
    } finally {
      await app.close();
    }
  });

  describe('L1 JWS crit and iat', () => {
    async function challengeOf(token: string): Promise<{ status: number; params: Record<string, string> }> {
      const response = await post(h.resourceUrl, rpc.initialize(), { token });
      await response.text();
      const header = response.headers.get('www-authenticate');
      return { status: response.status, params: header ? parseChallenge(header).params : {} };
    }

    it('L1 a token with a crit header is refused, whatever it names', async () => {
      // `b64` is an extension jose implements, so it signs; this server implements none.
      const token = await h.forgeRaw(JSON.stringify(h.claims()), { crit: ['b64'], b64: true });
      expect(await challengeOf(token)).toEqual({
        status: 401,
        params: expect.objectContaining({
          error: 'invalid_token',
          error_description: expect.stringMatching(/critical header parameters \(crit\)/),
        }),
      });
    });

    it('L1 iat in the future beyond the clock tolerance, or not a number, is refused like nbf', async () => {
      const now = Math.floor(Date.now() / 1000);
      expect(await challengeOf(await h.forge(h.claims({ iat: now + 3600 })))).toMatchObject({
        status: 401,
        params: { error: 'invalid_token', error_description: 'The access token was issued in the future (iat)' },
      });
      const textual = JSON.stringify({ ...h.claims(), iat: 'yesterday' });
      expect(await challengeOf(await h.forgeRaw(textual))).toMatchObject({
        status: 401,
        params: { error: 'invalid_token', error_description: expect.stringMatching(/iat/) },
      });
      // Within the tolerance (5 s) it is still a clock skew, not a refusal.
      expect((await challengeOf(await h.forge(h.claims({ iat: now + 2 })))).status).toBe(200);
    });
  });

  it('L6 the first 401 and scopes_supported advertise the baseline; step-up asks for the rest', async () => {
    const anonymous = await post(h.resourceUrl, rpc.initialize());
    expect(anonymous.status).toBe(401);
    // Both schemes the example accepts (MCP_DPOP=allowed by default), each with the baseline hint.
    expect(anonymous.headers.get('www-authenticate')).toBe(
      `Bearer scope="User.Read", resource_metadata="${h.metadataUrl}", DPoP scope="User.Read", resource_metadata="${h.metadataUrl}", algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA Ed25519"`,
    );
    expect(((await (await fetch(h.metadataUrl)).json()) as { scopes_supported: string[] }).scopes_supported).toEqual(['User.Read']);

    const reader = await h.token('demo-reader');
    const sessionId = await openSession(h.resourceUrl, reader);
    const stepUp = await post(h.resourceUrl, rpc.callTool('delete_product', { id: 1 }), {
      token: reader,
      headers: { 'mcp-session-id': sessionId },
    });
    expect(stepUp.status).toBe(403);
    expect(parseChallenge(stepUp.headers.get('www-authenticate')).params.scope).toBe('Admin.Write');
  });

  it('X-Powered-By: the example sends no framework banner, on any answer', async () => {
    const answers = await Promise.all([post(h.resourceUrl, rpc.initialize()), fetch(h.metadataUrl), fetch(`${h.baseUrl}/nowhere`)]);
    for (const answer of answers) {
      await answer.arrayBuffer();
      expect(answer.headers.get('x-powered-by')).toBeNull();
    }
  });
});

describe('L3 requests without a credential (example, MCP_UNAUTHENTICATED_LIMIT_PER_MINUTE=3)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ MCP_STATELESS: 'true', MCP_UNAUTHENTICATED_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(() => h?.close());

  it("L3 requests without a credential do not spend the address's failure budget", async () => {
    // What any web page can make a browser send to a local server: no Authorization header (an image, a form).
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`${h.resourceUrl}?access_token=x${i}`, { method: i % 2 ? 'GET' : 'POST' });
      await response.arrayBuffer();
      expect([400, 401]).toContain(response.status);
    }
    const anonymous = await post(h.resourceUrl, rpc.callTool('whoami'));
    await anonymous.arrayBuffer();
    expect(anonymous.status).toBe(401);
    const legitimate = await post(h.resourceUrl, rpc.callTool('whoami'), { token: await h.token('demo-reader') });
    expect(legitimate.status).toBe(200);
  });
});

describe('security review findings on the library (test application)', () => {
  describe('M2 several introspected issuers', () => {
    const partner = new CountingIntrospectionEndpoint();
    const ours = new CountingIntrospectionEndpoint();
    let lib: LibraryApp;

    beforeAll(async () => {
      const [partnerUrl, ourUrl] = await Promise.all([partner.start(), ours.start()]);
      lib = await startLibraryApp({
        issuer: undefined,
        stateless: true,
        issuers: [
          {
            issuer: 'https://partner.example',
            introspection: { endpoint: partnerUrl, clientId: 'rs', clientSecret: 's', tokenPrefix: 'pt_' },
          },
          { issuer: 'https://ours.example', introspection: { endpoint: ourUrl, clientId: 'rs', clientSecret: 's', tokenPrefix: 'ours_' } },
        ],
      });
      const exp = Math.floor(Date.now() / 1000) + 300;
      ours.answers.set('ours_live-token-of-alice', {
        active: true,
        iss: 'https://ours.example',
        aud: lib.resourceUrl,
        sub: 'alice',
        exp,
        scope: 'User.Read',
      });
    });
    afterAll(async () => {
      await lib?.close();
      await Promise.all([partner.stop(), ours.stop()]);
    });

    it('M2 an opaque token is only sent to the issuer that recognises it', async () => {
      const response = await post(lib.resourceUrl, rpc.callTool('whoami'), { token: 'ours_live-token-of-alice' });
      expect(response.status).toBe(200);
      expect(ours.asked).toEqual(['ours_live-token-of-alice']);
      // The partner's provider, listed first, never saw our user's live token.
      expect(partner.asked).toEqual([]);
      // A token neither recognises is sent to no one.
      const stranger = await post(lib.resourceUrl, rpc.callTool('whoami'), { token: 'someone-elses-token' });
      expect(stranger.status).toBe(401);
      expect(partner.asked).toEqual([]);
      expect(ours.asked).toEqual(['ours_live-token-of-alice']);
    });
  });

  describe('L2 introspection answers and the issuer rules (Keycloak preset, introspection mode)', () => {
    const endpoint = new CountingIntrospectionEndpoint();
    let lib: LibraryApp;
    const realm = 'https://sso.example/realms/acme';

    beforeAll(async () => {
      const url = await endpoint.start();
      lib = await startLibraryApp({
        issuer: undefined,
        stateless: true,
        issuers: [
          {
            ...keycloak({ url: 'https://sso.example', realm: 'acme' }),
            introspection: { endpoint: url, clientId: 'rs', clientSecret: 's' },
          },
        ],
      });
      const active = {
        active: true,
        iss: realm,
        aud: lib.resourceUrl,
        sub: 'u-1',
        azp: 'app',
        exp: Math.floor(Date.now() / 1000) + 300,
        scope: 'User.Read',
      };
      endpoint.answers.set('access', { ...active, typ: 'Bearer', token_type: 'Bearer' });
      endpoint.answers.set('refresh', { ...active, typ: 'Refresh' });
      endpoint.answers.set('id', { ...active, typ: 'ID' });
      endpoint.answers.set('refresh-by-token-type', { ...active, token_type: 'refresh_token' });
    });
    afterAll(async () => {
      await lib?.close();
      await endpoint.stop();
    });

    it.each([['refresh'], ['id'], ['refresh-by-token-type']])(
      "L2 an introspected %s token is refused by the issuer's claim rules, like a JWT",
      async (token) => {
        const response = await post(lib.resourceUrl, rpc.callTool('whoami'), { token });
        expect(response.status).toBe(401);
        expect(parseChallenge(response.headers.get('www-authenticate')).params.error).toBe('invalid_token');
      },
    );

    it('L2 an introspected access token is accepted', async () => {
      expect((await post(lib.resourceUrl, rpc.callTool('whoami'), { token: 'access' })).status).toBe(200);
    });
  });

  describe('L4 authentications in flight per address', () => {
    const endpoint = new CountingIntrospectionEndpoint(50);
    let lib: LibraryApp;

    beforeAll(async () => {
      const url = await endpoint.start();
      lib = await startLibraryApp({
        issuer: undefined,
        stateless: true,
        issuers: [{ issuer: 'https://opaque.example', introspection: { endpoint: url, clientId: 'rs', clientSecret: 's' } }],
        rateLimit: { unauthenticatedPerIp: { limit: 5, ttlMs: 60_000 } },
      });
    });
    afterAll(async () => {
      await lib?.close();
      await endpoint.stop();
    });

    it("L4 200 parallel bad opaque tokens cause at most the limit's worth of introspection calls", async () => {
      const statuses = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const response = await post(lib.resourceUrl, rpc.callTool('whoami'), { token: `bad-opaque-token-${i}` });
          await response.arrayBuffer();
          return response.status;
        }),
      );
      expect(endpoint.asked.length).toBeLessThanOrEqual(5);
      expect(new Set(statuses)).toEqual(new Set([401, 429]));
      expect(statuses.filter((status) => status === 401)).toHaveLength(endpoint.asked.length);
    });
  });

  describe('L7 scope requirements and method-wrapping decorators', () => {
    /** What a tracing or caching decorator does: replaces the method with a function of its own. */
    const Traced: MethodDecorator = (_target, _key, descriptor) => {
      const original = descriptor.value as unknown as (...args: unknown[]) => unknown;
      (descriptor as PropertyDescriptor).value = function traced(this: unknown, ...args: unknown[]) {
        return original.apply(this, args);
      };
      return descriptor;
    };

    @Injectable()
    @McpToolProvider()
    class WrappedTools {
      @McpTool({ name: 'wipe_catalogue', description: 'Deletes everything' })
      @Traced
      @RequireScopes('Admin.Write')
      wipe(): string {
        return 'wiped';
      }
    }

    let lib: LibraryApp;
    beforeAll(async () => {
      lib = await startLibraryApp({ stateless: true }, [WrappedTools]);
    });
    afterAll(() => lib?.close());

    it('L7 a scope requirement survives a method-wrapping decorator between @McpTool and @RequireScopes', async () => {
      const reader = await lib.token('demo-reader');
      const client = await connectMcpClient(lib.resourceUrl, reader);
      try {
        expect(await toolNames(client)).not.toContain('wipe_catalogue');
      } finally {
        await client.close();
      }
      const call = await post(lib.resourceUrl, rpc.callTool('wipe_catalogue'), { token: reader });
      expect(call.status).toBe(403);
      expect(parseChallenge(call.headers.get('www-authenticate')).params.scope).toBe('Admin.Write');
      // The requirement is there, not the tool gone: the administrator lists and calls it through the wrapper.
      const admin = await post(lib.resourceUrl, rpc.callTool('wipe_catalogue'), { token: await lib.token('demo-admin') });
      expect(admin.status).toBe(200);
    });
  });

  describe('X-Powered-By', () => {
    let lib: LibraryApp;
    beforeAll(async () => {
      // An application that left Express's default on: the module's own routes still answer without the banner.
      lib = await startLibraryApp({ stateless: true });
    });
    afterAll(() => lib?.close());

    it("X-Powered-By is not sent on the module's routes, whatever the application's setting", async () => {
      const origin = new URL(lib.resourceUrl).origin;
      const answers = await Promise.all([
        post(lib.resourceUrl, rpc.initialize()),
        post(lib.resourceUrl, rpc.callTool('whoami'), { token: await lib.token('demo-reader') }),
        fetch(`${origin}/.well-known/oauth-protected-resource/mcp`),
        fetch(lib.resourceUrl, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } }),
        fetch(lib.resourceUrl, { method: 'PUT' }),
      ]);
      for (const answer of answers) {
        await answer.arrayBuffer();
        expect(answer.headers.get('x-powered-by')).toBeNull();
      }
      // The application's other routes are its own business: Express still labels them.
      const elsewhere = await fetch(`${origin}/nowhere`);
      await elsewhere.arrayBuffer();
      expect(elsewhere.headers.get('x-powered-by')).toBe('Express');
    });
  });
});
