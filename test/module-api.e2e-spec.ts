import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { McpAuthModule, McpTool, McpToolProvider, RequireScopes } from 'nestjs-mcp-auth';
import type { McpToolContext } from 'nestjs-mcp-auth';
import { z } from 'zod';
import { startDevIdentityProvider } from '../src/dev-identity-provider/dev-identity-provider.js';
import type { DevIdentityProvider } from '../src/dev-identity-provider/dev-identity-provider.js';
import { DEMO_CLIENTS } from '../src/dev-identity-provider/demo-clients.js';
import { freePort, post, rpc } from './support/harness.js';

/** A user's own application: forRootAsync with an injected service, a custom path, validateUser, class-level scopes. */
@Injectable()
class UserDirectory {
  readonly known = new Set(['demo-reader', 'demo-admin']);
  exists(sub: string): boolean {
    return this.known.has(sub);
  }
}

@Module({ providers: [UserDirectory], exports: [UserDirectory] })
class DirectoryModule {}

@McpToolProvider()
@RequireScopes('User.Read')
class ReportTools {
  @McpTool({ name: 'report', description: 'A report', input: { year: z.number().int() } })
  report({ year }: { year: number }, { principal }: McpToolContext) {
    return `report ${year} for ${principal.sub}`;
  }

  @McpTool({ name: 'purge', description: 'Purge reports' })
  @RequireScopes('Admin.Write')
  purge() {
    return 'purged';
  }
}

describe('module API in a user application (forRootAsync, path, validateUser, class scopes)', () => {
  let idp: DevIdentityProvider;
  let app: INestApplication;
  let endpoint: string;

  beforeAll(async () => {
    const port = await freePort();
    const resourceUrl = `http://127.0.0.1:${port}/api/mcp`;
    idp = await startDevIdentityProvider({ resourceUrl, clients: DEMO_CLIENTS });

    @Module({
      imports: [
        McpAuthModule.forRootAsync({
          path: '/api/mcp',
          imports: [DirectoryModule],
          inject: [UserDirectory],
          useFactory: async (directory: UserDirectory) => ({
            issuer: idp.issuer,
            resourceUrl,
            stateless: true,
            validateUser: (principal) => directory.exists(principal.sub),
          }),
        }),
      ],
      providers: [ReportTools],
    })
    class UserAppModule {}

    app = await NestFactory.create(UserAppModule, { bodyParser: false, logger: false });
    await app.listen(port, '127.0.0.1');
    endpoint = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/api/mcp`;
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  it('serves the endpoint at the configured path and its metadata at the path-suffixed location', async () => {
    const metadata = (await (await fetch(endpoint.replace('/api/mcp', '/.well-known/oauth-protected-resource/api/mcp'))).json()) as any;
    expect(metadata.resource).toBe(endpoint);
    expect(metadata.scopes_supported).toEqual(['User.Read', 'Admin.Write']);
  });

  it('applies class scopes to every tool and adds method scopes', async () => {
    const reader = await idp.token('demo-reader');
    const list = (await (await post(endpoint, rpc.listTools(), { token: reader })).json()) as any;
    expect(list.result.tools.map((tool: { name: string }) => tool.name)).toEqual(['report']);
    const purge = await post(endpoint, rpc.callTool('purge'), { token: reader });
    expect(purge.status).toBe(403);
    expect(purge.headers.get('www-authenticate')).toContain('scope="User.Read Admin.Write"');
    const report = (await (await post(endpoint, rpc.callTool('report', { year: 2026 }), { token: reader })).json()) as any;
    expect(report.result.content[0].text).toBe('report 2026 for demo-reader');
  });

  it('refuses a valid token whose user validateUser does not know with 403', async () => {
    const writer = await idp.token('demo-writer');
    const response = await post(endpoint, rpc.listTools(), { token: writer });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: 'access_denied', error_description: 'The user is not known to this server' });
  });
});

describe('example served under another path (MCP_RESOURCE_URL decides the endpoint and metadata paths)', () => {
  it('serves /tools/mcp and its metadata at the path-suffixed location; /mcp is not the endpoint', async () => {
    const port = await freePort();
    const resourceUrl = `http://127.0.0.1:${port}/tools/mcp`;
    const idp = await startDevIdentityProvider({ resourceUrl, clients: DEMO_CLIENTS });
    const { bootstrap } = await import('../src/main.js');
    const example = await bootstrap({
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      MCP_AUTH_ISSUER: idp.issuer,
      MCP_RESOURCE_URL: resourceUrl,
      MCP_STATELESS: 'true',
      MCP_LISTING: 'granted',
    });
    try {
      const unauthenticated = await post(resourceUrl, rpc.listTools());
      expect(unauthenticated.status).toBe(401);
      const metadataUrl = `http://127.0.0.1:${port}/.well-known/oauth-protected-resource/tools/mcp`;
      expect(unauthenticated.headers.get('www-authenticate')).toContain(`resource_metadata="${metadataUrl}"`);
      const metadata = await fetch(metadataUrl);
      expect(metadata.status).toBe(200);
      expect(((await metadata.json()) as any).resource).toBe(resourceUrl);
      expect((await fetch(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/elsewhere`)).status).toBe(404);
      const listed = (await (await post(resourceUrl, rpc.listTools(), { token: await idp.token('demo-reader') })).json()) as any;
      expect(listed.result.tools.map((tool: { name: string }) => tool.name).sort()).toEqual(['list_products', 'whoami']);
      expect((await post(`http://127.0.0.1:${port}/mcp`, rpc.listTools())).status).toBe(404);
    } finally {
      await example.close();
      await idp.close();
    }
  });
});
