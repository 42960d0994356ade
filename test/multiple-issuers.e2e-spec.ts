import 'reflect-metadata';
import { Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { McpAuthModule, McpTool, McpToolProvider, RequireScopes, entra, keycloak } from 'nestjs-mcp-auth';
import type { McpToolContext } from 'nestjs-mcp-auth';
import { connectMcpClient, startTestIdentityProvider } from 'nestjs-mcp-auth/testing';
import type { TestIdentityProvider } from 'nestjs-mcp-auth/testing';
import { freePort, openSession, post, rpc, toolJson, toolNames } from './support/harness.js';

const TENANT = '5d2c1b0a-3e4f-4a5b-8c6d-7e8f9a0b1c2d';
const API = '0a1b2c3d-4e5f-4061-8798-a9b0c1d2e3f4';

@McpToolProvider()
class NoteTools {
  @McpTool({ name: 'read_notes', description: 'Read the notes' })
  @RequireScopes('Notes.Read')
  read(_args: unknown, { principal }: McpToolContext) {
    return { issuer: principal.issuer, id: principal.id };
  }

  @McpTool({ name: 'write_note', description: 'Write a note' })
  @RequireScopes('Notes.Write')
  write() {
    return 'written';
  }
}

/**
 * A user's application trusting two identity providers at once (a Keycloak realm for staff,
 * an Entra tenant for a partner), with a scope hierarchy, tested the way the README shows:
 * the testing kit's identity providers and its connected SDK client.
 */
describe('several issuers in one application', () => {
  let kc: TestIdentityProvider;
  let en: TestIdentityProvider;
  let stranger: TestIdentityProvider;
  let app: INestApplication;
  let resourceUrl: string;
  let metadataUrl: string;

  beforeAll(async () => {
    [kc, en, stranger] = await Promise.all([
      startTestIdentityProvider({ shape: 'keycloak', realm: 'staff' }),
      startTestIdentityProvider({ shape: 'entra', tenantId: TENANT, audience: API }),
      startTestIdentityProvider({ shape: 'oidc' }),
    ]);
    const port = await freePort();
    resourceUrl = `http://127.0.0.1:${port}/mcp`;
    metadataUrl = `http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`;

    @Module({
      imports: [
        McpAuthModule.forRoot({
          resourceUrl,
          issuers: [keycloak({ url: kc.url, realm: 'staff' }), entra({ tenantId: TENANT, clientId: API, authorityHost: en.url })],
          scopeHierarchy: { 'Notes.Admin': ['Notes.Write'], 'Notes.Write': ['Notes.Read'] },
        }),
      ],
      providers: [NoteTools],
    })
    class NotesModule {}

    app = await NestFactory.create(NotesModule, { bodyParser: false, logger: false });
    await app.listen(port, '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all([kc?.close(), en?.close(), stranger?.close()]);
  });

  const keycloakToken = (claims: Record<string, unknown>) => kc.token({ aud: resourceUrl, ...claims });

  it('refuses a token of an issuer it does not know before fetching any key', async () => {
    const response = await post(resourceUrl, rpc.initialize(), { token: await stranger.token({ aud: resourceUrl, scope: 'Notes.Admin' }) });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_token", error_description="The access token was issued by an issuer this server does not trust", resource_metadata="${metadataUrl}"`,
    );
    expect([kc.jwksRequests, en.jwksRequests, stranger.jwksRequests]).toEqual([0, 0, 0]);
  });

  it('lists every issuer, and the baseline scope (the narrowest of the hierarchy) in the form each issuer wants it requested', async () => {
    const metadata = await (await fetch(metadataUrl)).json();
    expect(metadata).toEqual({
      resource: resourceUrl,
      authorization_servers: [`${kc.url}/realms/staff`, `${en.url}/${TENANT}/v2.0`],
      bearer_methods_supported: ['header'],
      // No baselineScopes configured: the scopes that imply no other (L6); step-up asks for Notes.Write or Notes.Admin.
      scopes_supported: ['Notes.Read', `api://${API}/Notes.Read`],
      resource_name: 'mcp-server',
    });
    const anonymous = await post(resourceUrl, rpc.initialize());
    expect(anonymous.headers.get('www-authenticate')).toBe(
      `Bearer scope="Notes.Read api://${API}/Notes.Read", resource_metadata="${metadataUrl}"`,
    );
  });

  it('routes each token to its issuer: Keycloak scope and Entra app role, both through the hierarchy', async () => {
    const staff = await connectMcpClient(app, await keycloakToken({ sub: 'staff-1', scope: 'Notes.Write' }));
    const partner = await connectMcpClient(app, await en.token({ roles: ['Notes.Admin'], oid: 'oid-1' }));
    try {
      expect(await toolNames(staff)).toEqual(['read_notes', 'write_note']);
      expect(toolJson(await staff.callTool({ name: 'read_notes', arguments: {} }))).toEqual({
        issuer: `${kc.url}/realms/staff`,
        id: 'staff-1',
      });
      expect(await toolNames(partner)).toEqual(['read_notes', 'write_note']);
      expect(toolJson(await partner.callTool({ name: 'read_notes', arguments: {} }))).toEqual({
        issuer: `${en.url}/${TENANT}/v2.0`,
        id: `${TENANT}/oid-1`,
      });
    } finally {
      await Promise.all([staff.close(), partner.close()]);
    }
  });

  it.each([
    ['keycloak', () => keycloakToken({ scope: 'Notes.Read' }), 'Notes.Write'],
    ['entra', () => en.token({ scp: 'Notes.Read' }), `api://${API}/Notes.Write`],
  ])('challenges a %s reader with the scope as its own issuer names it', async (_issuer, mint, scope) => {
    const token = await mint();
    const sessionId = await openSession(resourceUrl, token);
    const response = await post(resourceUrl, rpc.callTool('write_note'), { token, headers: { 'mcp-session-id': sessionId } });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", error_description="Tool write_note requires scope: Notes.Write", scope="${scope}", resource_metadata="${metadataUrl}"`,
    );
  });

  it.each([
    [
      "Keycloak's issuer with an audience only the Entra issuer accepts",
      () => keycloakToken({ aud: API, scope: 'Notes.Read' }),
      'The access token was not issued for this resource',
    ],
    [
      "Keycloak's issuer signed with the Entra tenant's key",
      () =>
        en.key.sign({
          ...{ iss: `${kc.url}/realms/staff`, aud: resourceUrl, sub: 'x', typ: 'Bearer' },
          exp: Math.floor(Date.now() / 1000) + 60,
        }),
      'The access token was signed with an unknown key',
    ],
  ])('keeps each issuer to its own rules: refuses %s', async (_case, mint, description) => {
    const response = await post(resourceUrl, rpc.initialize(), { token: await mint() });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain(`error_description="${description}"`);
  });
});
