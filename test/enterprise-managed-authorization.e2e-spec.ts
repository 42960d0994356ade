import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleLogger } from '@nestjs/common';
import type { INestApplication, Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Client, CrossAppAccessProvider, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { z } from 'zod';
import {
  ENTERPRISE_MANAGED_AUTHORIZATION,
  McpAuthConfigurationError,
  McpAuthModule,
  McpPrompt,
  McpProvider,
  McpResource,
  McpTool,
  RequireScopes,
  ScopeSnapshot,
} from 'nestjs-mcp-auth';
import type { McpAuthOptions, McpScopeSnapshot } from 'nestjs-mcp-auth';
import { connectMcpClient, createTestSigningKey, startTestIdentityProvider } from 'nestjs-mcp-auth/testing';
import type { TestIdentityProvider } from 'nestjs-mcp-auth/testing';
import { recordScopeSnapshot } from '../src/record-scope-snapshot.js';
import { post, rpc, startExample, startHarness, toolJson } from './support/harness.js';
import { printedDuring } from './support/held-back-logger.js';
import type { ExampleServer, Harness } from './support/harness.js';
import { startIdJagAuthorizationServer } from './support/id-jag-authorization-server.js';
import type { IdJagAuthorizationServer } from './support/id-jag-authorization-server.js';
import { MODERN } from './support/modern.js';

/** What an application logged at startup, kept instead of printed. */
class StartupLog extends ConsoleLogger {
  readonly warnings: string[] = [];
  readonly lines: string[] = [];
  override warn(message: unknown): void {
    this.warnings.push(String(message));
  }
  override log(message: unknown): void {
    this.lines.push(String(message));
  }
}

/** Release 1 of a catalogue: what the recorded snapshot was taken from. */
@McpProvider()
class ReleaseOneTools {
  @McpTool({ name: 'whoami' })
  whoami() {
    return 'you';
  }

  @McpTool({ name: 'list_orders' })
  @RequireScopes('Orders.Read')
  list() {
    return [];
  }

  @McpTool({ name: 'cancel_order', input: { id: z.string() } })
  @RequireScopes('Orders.Write')
  cancel() {
    return 'cancelled';
  }

  @McpResource({ name: 'order', uriTemplate: 'orders://{id}' })
  @RequireScopes('Orders.Read')
  order() {
    return {};
  }
}

/** Release 2 adds, under scopes people already hold, what the grants made for release 1 never meant to allow. */
@McpProvider()
class ReleaseTwoTools {
  @McpTool({ name: 'refund_all_orders' })
  @RequireScopes('Orders.Write')
  refundAll() {
    return 'refunded';
  }

  @McpResource({ name: 'customer_export', uri: 'orders://export' })
  @RequireScopes({ anyOf: ['Orders.Read', 'Orders.Admin'] })
  exportAll() {
    return [];
  }

  @McpPrompt({ name: 'debug_dump' })
  dump() {
    return 'everything';
  }
}

/**
 * Enterprise-Managed Authorization (MCP ext-auth, stable): the server declares the extension
 * where clients look for it, and acts on §7.2.1 with a recorded scope snapshot that is compared
 * with the live catalogue at every startup.
 */
describe('Enterprise-Managed Authorization', () => {
  describe('the example with MCP_ENTERPRISE_MANAGED_AUTHORIZATION=true', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ MCP_ENTERPRISE_MANAGED_AUTHORIZATION: 'true' });
    });
    afterAll(() => h?.close());

    it('declares the extension in the protected resource metadata', async () => {
      const response = await fetch(h.metadataUrl);
      expect(response.status).toBe(200);
      const metadata = (await response.json()) as Record<string, unknown>;
      expect(metadata.mcp_extensions_supported).toEqual([ENTERPRISE_MANAGED_AUTHORIZATION]);
      expect(ENTERPRISE_MANAGED_AUTHORIZATION).toBe('io.modelcontextprotocol/enterprise-managed-authorization');
      expect(metadata.resource).toBe(h.resourceUrl);
    });

    it('declares it in the capabilities server/discover answers (2026-07-28, SDK v2 client)', async () => {
      const client = new Client({ name: 'e2e-ema', version: '1.0.0' }, { versionNegotiation: { mode: { pin: MODERN } } });
      const token = await h.token('demo-reader');
      await client.connect(
        new StreamableHTTPClientTransport(new URL(h.resourceUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
      );
      try {
        expect(client.getProtocolEra()).toBe('modern');
        expect(client.getServerCapabilities()?.extensions).toEqual({ [ENTERPRISE_MANAGED_AUTHORIZATION]: {} });
        // The access token itself is an ordinary one for this resource, validated as any other.
        expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('whoami');
      } finally {
        await client.close();
      }
    });

    it('declares it in the capabilities initialize answers (2025 revisions)', async () => {
      const response = await post(h.resourceUrl, rpc.initialize(), {
        token: await h.token('demo-reader'),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { result: { capabilities: Record<string, unknown> } };
      expect(body.result.capabilities.extensions).toEqual({ [ENTERPRISE_MANAGED_AUTHORIZATION]: {} });
      // A 2025-era client (SDK v1) that knows nothing of extensions connects and works as before.
      const legacy = await connectMcpClient(h.resourceUrl, await h.token('demo-reader'));
      try {
        expect((await legacy.listTools()).tools.map((tool) => tool.name)).toContain('whoami');
      } finally {
        await legacy.close();
      }
    });
  });

  describe('the whole Cross App Access flow, with the SDK v2 client (CrossAppAccessProvider)', () => {
    const ENTERPRISE_IDP = 'https://acme.idp.example';
    let idpKey: Awaited<ReturnType<typeof createTestSigningKey>>;
    let as: IdJagAuthorizationServer;
    let example: ExampleServer;
    const resources: string[] = [];

    beforeAll(async () => {
      idpKey = await createTestSigningKey('enterprise-idp');
      as = await startIdJagAuthorizationServer({
        idp: { issuer: ENTERPRISE_IDP, publicJwk: idpKey.publicJwk },
        resources,
        clients: { 'claude-agent': 'agent-secret' },
      });
      example = await startExample((resourceUrl) => {
        resources.push(resourceUrl);
        return {
          MCP_AUTH_ISSUER: as.issuer,
          MCP_ENTERPRISE_MANAGED_AUTHORIZATION: 'true',
          MCP_EXAMPLE_REQUIRE_KNOWN_USERS: 'false',
        };
      });
    });
    afterAll(async () => {
      await example?.close();
      await as?.close();
    });

    /**
     * The MCP client's side as the SDK ships it. The ID-JAG comes from the enterprise identity
     * provider's token exchange in real life (`discoverAndRequestJwtAuthGrant`); here the test
     * signs what that provider would return, for the authorization server and resource the
     * provider reads from this server's metadata.
     */
    function agent(seen: Array<{ authorizationServerUrl: string; resourceUrl: string; scope?: string }>): CrossAppAccessProvider {
      return new CrossAppAccessProvider({
        clientId: 'claude-agent',
        clientSecret: 'agent-secret',
        expectedIssuer: as.issuer,
        assertion: async (ctx) => {
          seen.push({ authorizationServerUrl: ctx.authorizationServerUrl, resourceUrl: ctx.resourceUrl, scope: ctx.scope });
          const now = Math.floor(Date.now() / 1000);
          return idpKey.sign(
            {
              iss: ENTERPRISE_IDP,
              sub: 'alice@acme',
              aud: ctx.authorizationServerUrl,
              resource: ctx.resourceUrl,
              client_id: 'claude-agent',
              scope: 'User.Read User.Write',
              jti: randomUUID(),
              iat: now,
              exp: now + 300,
            },
            { typ: 'oauth-id-jag+jwt' },
          );
        },
      });
    }

    it('reaches the tools: 401, metadata, ID-JAG for this resource, an access token restricted to it, validated as any other', async () => {
      const seen: Array<{ authorizationServerUrl: string; resourceUrl: string; scope?: string }> = [];
      const client = new Client({ name: 'e2e-xaa', version: '1.0.0' }, { versionNegotiation: { mode: { pin: MODERN } } });
      await client.connect(new StreamableHTTPClientTransport(new URL(example.resourceUrl), { authProvider: agent(seen) }));
      try {
        expect(client.getServerCapabilities()?.extensions).toEqual({ [ENTERPRISE_MANAGED_AUTHORIZATION]: {} });
        // The client learned where to go from this server's protected resource metadata.
        expect(seen).toEqual([{ authorizationServerUrl: as.issuer, resourceUrl: example.resourceUrl, scope: 'User.Read' }]);
        const issued = as.requests.filter((request) => request.status === 200);
        expect(issued).toHaveLength(1);
        expect(issued[0].idJag).toMatchObject({ resource: example.resourceUrl, aud: as.issuer, sub: 'alice@acme' });
        // The token carries the scopes asked for (the baseline) that the ID-JAG allowed: User.Read, not User.Write.
        expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(['list_products', 'whoami']);
        expect(toolJson(await client.callTool({ name: 'whoami', arguments: {} }))).toEqual({
          sub: 'alice@acme',
          clientId: 'claude-agent',
          scopes: ['User.Read'],
        });
      } finally {
        await client.close();
      }
    });

    it('refuses a token its authorization server did not restrict to this resource (§5.1)', async () => {
      as.audienceRestricted = false;
      try {
        const before = as.requests.filter((request) => request.status === 200).length;
        const client = new Client({ name: 'e2e-xaa', version: '1.0.0' }, { versionNegotiation: { mode: { pin: MODERN } } });
        await expect(
          client.connect(new StreamableHTTPClientTransport(new URL(example.resourceUrl), { authProvider: agent([]) })),
        ).rejects.toThrow();
        // The authorization server did issue a token: this server refused it for its audience.
        expect(as.requests.filter((request) => request.status === 200).length).toBeGreaterThan(before);
        await client.close().catch(() => undefined);
      } finally {
        as.audienceRestricted = true;
      }
    });
  });

  describe("the example's scope snapshot (MCP_SCOPE_SNAPSHOT_FILE)", () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'ema-e2e-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    /** Starts the example and returns what it printed while starting (warnings are printed once it listens). */
    async function startPrinting(env: Record<string, string>): Promise<{ h: Harness; printed: string }> {
      let h: Harness | undefined;
      const printed = await printedDuring(async () => {
        h = await startHarness(env);
      });
      return { h: h!, printed };
    }

    it('warns at startup, naming each scope that opens more than in the snapshot an earlier release recorded', async () => {
      // Release 0.9 of the example had no delete_product, and create_product and import_products needed User.Write only.
      const earlier: McpScopeSnapshot = {
        snapshotVersion: 1,
        server: { name: 'product-catalog', version: '0.9.0' },
        anyValidToken: { tools: ['whoami'], resources: [], prompts: [] },
        scopes: {
          'Admin.Write': { tools: [], resources: [], prompts: [] },
          'User.Read': { tools: ['list_products'], resources: ['catalog', 'product'], prompts: [] },
          'User.Write': { tools: ['create_product', 'import_products'], resources: [], prompts: ['product_description'] },
        },
      };
      const file = join(dir, 'earlier.json');
      await writeFile(file, JSON.stringify(earlier));
      const { h, printed } = await startPrinting({ MCP_SCOPE_SNAPSHOT_FILE: file });
      try {
        const drift = printed.split('\n').filter((line) => line.includes('Scope snapshot:'));
        expect(drift).toHaveLength(1);
        expect(drift[0]).toContain('WARN');
        expect(drift[0]).toContain('scope "Admin.Write" now opens tool create_product, tool delete_product, tool import_products,');
        expect(drift[0]).toContain('product-catalog 0.9.0');
        expect(drift[0]).toContain(file);
        // The server serves all the same: warn is the default.
        expect((await fetch(h.metadataUrl)).status).toBe(200);
      } finally {
        await h.close();
      }
    });

    it('records the snapshot of the running release (npm run scope-snapshot), and starts quietly against it', async () => {
      const file = join(dir, 'recorded.json');
      const { h: first, printed: ignored } = await startPrinting({});
      expect(ignored).not.toContain('Scope snapshot:');
      try {
        const env = { MCP_AUTH_ISSUER: first.idp.issuer, MCP_RESOURCE_URL: first.resourceUrl, LOG_LEVEL: 'error' };
        const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
        try {
          await recordScopeSnapshot(file, env);
        } finally {
          write.mockRestore();
        }
      } finally {
        await first.close();
      }
      const recorded = JSON.parse(await readFile(file, 'utf8')) as McpScopeSnapshot;
      expect(recorded.snapshotVersion).toBe(1);
      expect(recorded.server).toEqual({ name: 'product-catalog', version: '1.0.0' });
      expect(recorded.scopes['Admin.Write'].tools).toEqual(['create_product', 'delete_product', 'import_products']);
      expect(recorded.anyValidToken.tools).toEqual(['whoami']);

      const { h, printed } = await startPrinting({ MCP_SCOPE_SNAPSHOT_FILE: file, MCP_SCOPE_SNAPSHOT_ON_DRIFT: 'fail' });
      try {
        expect(printed).not.toContain('Scope snapshot:');
        expect((await fetch(h.metadataUrl)).status).toBe(200);
      } finally {
        await h.close();
      }
    });

    it('refuses to start with MCP_SCOPE_SNAPSHOT_ON_DRIFT=fail when a scope opens more', async () => {
      const file = join(dir, 'narrow.json');
      const narrow: McpScopeSnapshot = {
        snapshotVersion: 1,
        server: { name: 'product-catalog', version: '0.9.0' },
        anyValidToken: { tools: ['whoami'], resources: [], prompts: [] },
        scopes: {
          'Admin.Write': { tools: ['create_product', 'delete_product'], resources: [], prompts: [] },
          'User.Read': { tools: [], resources: ['catalog', 'product'], prompts: [] },
          'User.Write': { tools: ['create_product', 'import_products'], resources: [], prompts: ['product_description'] },
        },
      };
      await writeFile(file, JSON.stringify(narrow));
      await expect(startHarness({ MCP_SCOPE_SNAPSHOT_FILE: file, MCP_SCOPE_SNAPSHOT_ON_DRIFT: 'fail' })).rejects.toThrow(
        /option "scopeSnapshot".*scope "User\.Read" now opens tool list_products/,
      );
    });
  });

  describe('a library application whose catalogue grew between releases', () => {
    let idp: TestIdentityProvider;
    let dir: string;
    let snapshotFile: string;
    const apps: INestApplication[] = [];
    const resourceUrl = 'http://127.0.0.1/mcp';

    beforeAll(async () => {
      idp = await startTestIdentityProvider({ audience: resourceUrl });
      dir = await mkdtemp(join(tmpdir(), 'ema-e2e-lib-'));
      snapshotFile = join(dir, 'release-1.json');
    });
    afterAll(async () => {
      await Promise.all(apps.map((app) => app.close()));
      await idp?.close();
      await rm(dir, { recursive: true, force: true });
    });

    async function start(options: Partial<McpAuthOptions>, providers: Provider[]): Promise<{ app: INestApplication; log: StartupLog }> {
      const moduleRef = await Test.createTestingModule({
        imports: [McpAuthModule.forRoot({ issuer: idp.issuer, resourceUrl, server: { name: 'orders', version: '2.0.0' }, ...options })],
        providers,
      }).compile();
      const log = new StartupLog();
      const app = moduleRef.createNestApplication({ logger: log });
      apps.push(app);
      await app.init();
      return { app, log };
    }

    it('records release 1: per scope what it opens, and what any valid token opens', async () => {
      const { app } = await start({}, [ReleaseOneTools]);
      const json = app.get(ScopeSnapshot).json();
      await writeFile(snapshotFile, json);
      expect(JSON.parse(json)).toEqual({
        snapshotVersion: 1,
        server: { name: 'orders', version: '2.0.0' },
        anyValidToken: { tools: ['whoami'], resources: [], prompts: [] },
        scopes: {
          'Orders.Read': { tools: ['list_orders'], resources: ['order'], prompts: [] },
          'Orders.Write': { tools: ['cancel_order'], resources: [], prompts: [] },
        },
      });
      // Taking it twice gives the same bytes (a recorded file diffs cleanly).
      expect(app.get(ScopeSnapshot).json()).toBe(json);
    });

    it('starts release 2 against it with one warning per widened scope, naming exactly what each opens anew', async () => {
      const { log } = await start({ scopeSnapshot: { file: snapshotFile } }, [ReleaseOneTools, ReleaseTwoTools]);
      const drift = log.warnings.filter((line) => line.startsWith('Scope snapshot:'));
      expect(drift).toHaveLength(4);
      expect(drift).toEqual(
        expect.arrayContaining([
          expect.stringContaining('every valid token now opens prompt debug_dump'),
          expect.stringContaining('scope "Orders.Read" now opens resource customer_export,'),
          expect.stringContaining('scope "Orders.Write" now opens tool refund_all_orders,'),
          expect.stringContaining('scope "Orders.Admin" now opens resource customer_export,'),
        ]),
      );
      for (const line of drift) expect(line).toContain('re-authorization');
    });

    it("with onDrift: 'fail', refuses to start, naming every widened scope", async () => {
      const refusal = await start({ scopeSnapshot: { file: snapshotFile, onDrift: 'fail' } }, [ReleaseOneTools, ReleaseTwoTools]).catch(
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(McpAuthConfigurationError);
      expect((refusal as Error).message).toMatch(/scope "Orders\.Write" now opens tool refund_all_orders/);
      expect((refusal as Error).message).toMatch(/every valid token now opens prompt debug_dump/);
    });

    it('starts release 1 again without a warning, and says the snapshot was checked', async () => {
      const { log } = await start({ scopeSnapshot: { file: snapshotFile, onDrift: 'fail' } }, [ReleaseOneTools]);
      expect(log.warnings.filter((line) => line.includes('Scope snapshot'))).toEqual([]);
      expect(log.lines).toContainEqual(expect.stringContaining('Scope snapshot: no scope opens more than in'));
    });

    it('points at recording one when the snapshot file does not exist yet', async () => {
      const missing = join(dir, 'not-recorded-yet.json');
      const { log } = await start({ scopeSnapshot: { file: missing, onDrift: 'fail' } }, [ReleaseOneTools, ReleaseTwoTools]);
      expect(log.warnings).toContainEqual(expect.stringContaining(`No scope snapshot is recorded at ${missing} yet`));
    });

    it('without the extension declares nothing (metadata, capabilities)', async () => {
      const { app } = await start({}, [ReleaseOneTools]);
      await app.listen(0, '127.0.0.1');
      const port = (app.getHttpServer().address() as { port: number }).port;
      const metadata = (await (await fetch(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<
        string,
        unknown
      >;
      expect(metadata).not.toHaveProperty('mcp_extensions_supported');
      const token = await idp.token({ sub: 'alice', scope: 'Orders.Read' });
      const response = await post(`http://127.0.0.1:${port}/mcp`, rpc.initialize(), { token });
      const body = (await response.json()) as { result: { capabilities: Record<string, unknown> } };
      expect(body.result.capabilities).not.toHaveProperty('extensions');
    });

    it('warns when an issuer would refuse tokens audience-restricted to this resource (§5.1), and points at the snapshot', async () => {
      const { log } = await start({ enterpriseManagedAuthorization: true, audience: 'api://default' }, [ReleaseOneTools]);
      expect(log.warnings).toContainEqual(
        expect.stringMatching(
          new RegExp(`issuer ${idp.issuer} accepts only api://default: add ${resourceUrl.replace(/[/.]/g, '\\$&')} to its audience`),
        ),
      );
      expect(log.lines).toContainEqual(expect.stringContaining('Enterprise-Managed Authorization: record which tools each scope opens'));

      const quiet = await start({ enterpriseManagedAuthorization: true, scopeSnapshot: { file: snapshotFile } }, [ReleaseOneTools]);
      expect(quiet.log.warnings.filter((line) => line.includes('Enterprise-Managed Authorization'))).toEqual([]);
      expect(quiet.log.lines.filter((line) => line.includes('Enterprise-Managed Authorization'))).toEqual([]);
    });

    it('refuses the extension where no identity provider issues the tokens (API keys only)', async () => {
      await expect(
        start({ issuer: undefined, enterpriseManagedAuthorization: true, apiKeys: { keys: [] } }, [ReleaseOneTools]),
      ).rejects.toThrow(/option "enterpriseManagedAuthorization" needs an issuer/);
    });
  });
});
