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
