import 'reflect-metadata';
import { Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpAuthModule, auth0, okta } from 'nestjs-mcp-auth';
import type { McpIssuerOptions } from 'nestjs-mcp-auth';
import { connectMcpClient, startTestIdentityProvider } from 'nestjs-mcp-auth/testing';
import type { TestIdentityProvider } from 'nestjs-mcp-auth/testing';
import { IdentityModule } from '../src/identity/identity.module.js';
import { ProductsModule } from '../src/products/products.module.js';
import { StoreModule } from '../src/store/store.module.js';
import { freePort, post, rpc, toolJson, toolNames } from './support/harness.js';

/** The example's tools behind okta() or auth0(), against a loopback issuer shaped like the provider (paths, claims, headers). */
async function serve(issuer: (resourceUrl: string) => McpIssuerOptions): Promise<{ app: INestApplication; resourceUrl: string }> {
  const port = await freePort();
  const resourceUrl = `http://127.0.0.1:${port}/mcp`;
  @Module({
    imports: [
      McpAuthModule.forRoot({
        resourceUrl,
        issuers: [issuer(resourceUrl)],
        scopeHierarchy: { 'Admin.Write': ['User.Write'], 'User.Write': ['User.Read'] },
      }),
      StoreModule.register(':memory:'),
      ProductsModule,
      IdentityModule,
    ],
  })
  class PresetAppModule {}
  const app = await NestFactory.create(PresetAppModule, { bodyParser: false, logger: ['error'] });
  await app.listen(port, '127.0.0.1');
  return { app, resourceUrl };
}

describe.each(['okta', 'auth0'])("%s preset against tokens shaped like that provider's", (preset) => {
  let idp: TestIdentityProvider;
  let app: INestApplication;
  let resourceUrl: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    idp = await startTestIdentityProvider({ shape: preset as 'okta' | 'auth0' });
    ({ app, resourceUrl } = await serve((resource) =>
      preset === 'okta' ? okta({ domain: idp.url, audience: resource }) : auth0({ domain: idp.url, audience: resource }),
    ));
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await app?.close();
    await idp?.close();
  });

  async function client(claims: Record<string, unknown>): Promise<Client> {
    const connected = await connectMcpClient(resourceUrl, await idp.token(claims));
    clients.push(connected);
    return connected;
  }

  it("publishes the provider's issuer, found by discovery at its paths", async () => {
    const metadata = (await (await fetch(`${new URL(resourceUrl).origin}/.well-known/oauth-protected-resource/mcp`)).json()) as {
      authorization_servers: string[];
    };
    expect(metadata.authorization_servers).toEqual([preset === 'okta' ? `${idp.url}/oauth2/default` : `${idp.url}/`]);
  });

  if (preset === 'okta') {
    it('reads scp as a list, keys the user by uid and the client by cid', async () => {
      const reader = await client({ aud: resourceUrl, scp: ['openid', 'User.Read'], uid: '00u1reader', cid: '0oa-claude' });
      expect(await toolNames(reader)).toEqual(['list_products', 'whoami']);
      expect(toolJson(await reader.callTool({ name: 'whoami', arguments: {} }))).toEqual({
        sub: 'ada@example.com',
        clientId: '0oa-claude',
        scopes: ['openid', 'User.Read'],
      });
    });

    it("refuses a token for the default server's api://default audience", async () => {
      const response = await post(resourceUrl, rpc.initialize(), { token: await idp.token({ scp: ['User.Read'] }) });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    });
  } else {
    it("reads scope, not the user's RBAC permissions, for a delegated token; the client from azp", async () => {
      const reader = await client({
        aud: [resourceUrl, `${idp.url}/userinfo`],
        scope: 'openid User.Read',
        permissions: ['User.Read', 'Admin.Write'],
      });
      expect(await toolNames(reader)).toEqual(['list_products', 'whoami']);
      expect(toolJson(await reader.callTool({ name: 'whoami', arguments: {} }))).toMatchObject({
        clientId: 'Xg7a1B2c3D4e5F6g7H8i9J0kL1m2N3o4',
        scopes: ['openid', 'User.Read'],
      });
    });

    it('counts permissions for a machine token without scope (client credentials)', async () => {
      const machine = await client({ aud: resourceUrl, sub: 'svc@clients', gty: 'client-credentials', permissions: ['Admin.Write'] });
      expect(await toolNames(machine)).toEqual(['create_product', 'delete_product', 'import_products', 'list_products', 'whoami']);
    });

    it('refuses a token issued without its trailing slash (another issuer)', async () => {
      const token = await idp.token({ aud: resourceUrl, iss: idp.url, scope: 'User.Read' });
      expect((await post(resourceUrl, rpc.initialize(), { token })).status).toBe(401);
    });
  }
});
