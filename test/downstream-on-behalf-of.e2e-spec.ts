import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { DownstreamTokens, McpAuthModule, McpTool, McpToolProvider, RequireScopes, entra } from 'nestjs-mcp-auth';
import type { McpToolContext } from 'nestjs-mcp-auth';
import { connectMcpClient, startTestIdentityProvider } from 'nestjs-mcp-auth/testing';
import type { TestIdentityProvider } from 'nestjs-mcp-auth/testing';
import { z } from 'zod';
import { startEntraTokenEndpoint } from './support/entra-token-endpoint.js';
import type { EntraTokenEndpoint } from './support/entra-token-endpoint.js';
import { freePort, toolJson } from './support/harness.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const API = '3b9e2f51-7c0d-4a8e-b6f2-1d4c5e6f7a80';
const SECRET = 'obo-client-secret-value';
const GRAPH = 'https://graph.microsoft.com';

/** A tool that asks for a Graph token on behalf of its caller and reports what it got (never the token). */
@McpToolProvider()
class GraphProbeTools {
  @McpTool({ name: 'graph_probe', input: { scopes: z.array(z.string()) } })
  @RequireScopes('User.Read')
  async probe({ scopes }: { scopes: string[] }, ctx: McpToolContext) {
    const token = await ctx.tokenFor({ audience: GRAPH, scopes });
    return {
      scopes: token.scopes,
      expiresInSeconds: Math.round((token.expiresAt! - Date.now()) / 1000),
      tokenSha256: createHash('sha256').update(token.accessToken).digest('hex'),
      printed: inspect(token),
      json: JSON.stringify(token),
    };
  }
}

/**
 * Entra ID's on-behalf-of flow against a loopback stand-in shaped like its v2 token endpoint
 * (form, client secret, AADSTS errors), the callers' tokens from an Entra-shaped identity provider.
 */
describe('Downstream tokens: Entra on-behalf-of (loopback stand-in of the v2 token endpoint)', () => {
  let idp: TestIdentityProvider;
  let endpoint: EntraTokenEndpoint;
  let app: INestApplication;
  let resourceUrl: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    idp = await startTestIdentityProvider({ shape: 'entra', tenantId: TENANT });
    endpoint = await startEntraTokenEndpoint(TENANT, { clientId: API, clientSecret: SECRET });
    const port = await freePort();
    resourceUrl = `http://127.0.0.1:${port}/mcp`;
    @Module({
      imports: [
        McpAuthModule.forRoot({
          resourceUrl,
          issuers: [
            entra({
              tenantId: TENANT,
              clientId: API,
              authorityHost: idp.url,
              downstream: { clientSecret: SECRET, tokenEndpoint: endpoint.url, timeoutMs: 500 },
            }),
          ],
        }),
      ],
      providers: [GraphProbeTools],
    })
    class OnBehalfOfModule {}
    app = await NestFactory.create(OnBehalfOfModule, { bodyParser: false, logger: ['error'] });
    await app.listen(port, '127.0.0.1');
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await app?.close();
    await endpoint?.close();
    await idp?.close();
  });

  /** A v2 delegated token for the API, as Entra issues it (aud = the API's client id). */
  async function caller(oid = 'b1c2d3e4-0000-4000-8000-000000000001'): Promise<{ client: Client; token: string }> {
    const token = await idp.token({ aud: API, azp: 'e4c1f0a2-2b3c-4d5e-8f90-a1b2c3d4e5f6', scp: 'User.Read', oid });
    const client = await connectMcpClient(resourceUrl, token);
    clients.push(client);
    return { client, token };
  }

  const errorText = (result: object) => (result as { content: Array<{ text: string }> }).content[0].text;

  it("asks the v2 endpoint in the on-behalf-of form, as the API's own confidential client, and caches the answer", async () => {
    const { client, token } = await caller();
    const before = endpoint.requests.length;
    const result = toolJson(await client.callTool({ name: 'graph_probe', arguments: { scopes: ['User.Read'] } }));
    expect(endpoint.requests.length).toBe(before + 1);
    expect(endpoint.requests.at(-1)!.form).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      // The caller's token goes to its own identity provider as the assertion, nowhere else.
      assertion: token,
      requested_token_use: 'on_behalf_of',
      scope: `${GRAPH}/User.Read`,
      client_id: API,
      client_secret: SECRET,
    });
    expect(result.scopes).toEqual([`${GRAPH}/User.Read`]);
    expect(result.expiresInSeconds).toBeGreaterThan(3500);
    // The token object never prints or serialises its value.
    expect(result.printed).toMatch(/^\[DownstreamToken Bearer, scopes \["https:\/\/graph\.microsoft\.com\/User\.Read"\], expires \d{4}-/);
    expect(JSON.parse(result.json)).toMatchObject({ accessToken: '[redacted]' });

    // The same user again (a new client connection): served from the cache, no second request.
    const again = await caller();
    const second = toolJson(await again.client.callTool({ name: 'graph_probe', arguments: { scopes: ['User.Read'] } }));
    expect(endpoint.requests.length).toBe(before + 1);
    expect(second.tokenSha256).toBe(result.tokenSha256);
    expect(app.get(DownstreamTokens).stats[0].counts.get('cache_hit')).toBeGreaterThanOrEqual(1);
  });

  it('turns AADSTS65001 (invalid_grant, suberror consent_required) into a tool error with the admin-consent URL', async () => {
    const { client } = await caller('b1c2d3e4-0000-4000-8000-000000000002');
    const result = await client.callTool({ name: 'graph_probe', arguments: { scopes: ['Mail.Send'] } });
    expect(result.isError).toBe(true);
    const consent = `${idp.url}/${TENANT}/v2.0/adminconsent?client_id=${API}&scope=https%3A%2F%2Fgraph.microsoft.com%2FMail.Send`;
    expect(errorText(result)).toMatch(
      /^Calling https:\/\/graph\.microsoft\.com needs consent that has not been granted yet \(invalid_grant \(AADSTS65001\): AADSTS65001: The user or administrator has not consented/,
    );
    expect(errorText(result)).toContain(`Open ${consent} to grant it (an administrator may have to), then call the tool again.`);
  });

  it('asks a client that can open pages to open the admin-consent page (URL elicitation, -32042 on a 2025-11-25 session)', async () => {
    const token = await idp.token({
      aud: API,
      azp: 'e4c1f0a2-2b3c-4d5e-8f90-a1b2c3d4e5f6',
      scp: 'User.Read',
      oid: 'b1c2d3e4-0000-4000-8000-000000000004',
    });
    const client = await connectMcpClient(resourceUrl, token, { elicitation: () => ({ action: 'accept' }) });
    clients.push(client);
    const consent = `${idp.url}/${TENANT}/v2.0/adminconsent?client_id=${API}&scope=https%3A%2F%2Fgraph.microsoft.com%2FMail.Send`;
    const refusal = await client.callTool({ name: 'graph_probe', arguments: { scopes: ['Mail.Send'] } }).then(
      () => undefined,
      (error: { code?: number; data?: { elicitations?: Array<{ mode?: string; url?: string }> } }) => error,
    );
    expect(refusal?.code).toBe(-32042);
    expect(refusal?.data?.elicitations?.[0]).toMatchObject({ mode: 'url', url: consent });
  });

  it('turns interaction_required with a claims challenge (AADSTS50079, MFA) into "sign in again"', async () => {
    const { client } = await caller('b1c2d3e4-0000-4000-8000-000000000003');
    const result = await client.callTool({ name: 'graph_probe', arguments: { scopes: ['Files.Read'] } });
    expect(result.isError).toBe(true);
    expect(errorText(result)).toMatch(
      /^The identity provider wants you to sign in again before https:\/\/graph\.microsoft\.com can be called \(interaction_required \(AADSTS50079\): .*multi-factor authentication.*sign in again, then call the tool again\.$/,
    );
  });

  it('discards a token that carries more scope than asked for', async () => {
    const { client } = await caller('b1c2d3e4-0000-4000-8000-000000000004');
    const result = await client.callTool({ name: 'graph_probe', arguments: { scopes: ['Calendars.Read'] } });
    expect(result.isError).toBe(true);
    expect(errorText(result)).toMatch(
      /with more than was asked for \(https:\/\/graph\.microsoft\.com\/Calendars\.ReadWrite\); it was discarded/,
    );
    // Nothing was cached: asking again goes to the endpoint again.
    const before = endpoint.requests.length;
    await client.callTool({ name: 'graph_probe', arguments: { scopes: ['Calendars.Read'] } });
    expect(endpoint.requests.length).toBe(before + 1);
  });

  it('gives up on a token endpoint that does not answer within timeoutMs', async () => {
    const { client } = await caller('b1c2d3e4-0000-4000-8000-000000000005');
    const result = await client.callTool({ name: 'graph_probe', arguments: { scopes: ['Slow.Read'] } });
    expect(result.isError).toBe(true);
    expect(errorText(result)).toBe(
      "The identity provider's token endpoint could not be reached for https://graph.microsoft.com (no answer within 500 ms): try again later.",
    );
  });

  it('counts outcomes per issuer and result, nothing about who', () => {
    const [stats] = app.get(DownstreamTokens).stats;
    expect(stats.issuer).toBe(`${idp.url}/${TENANT}/v2.0`);
    expect(Object.fromEntries(stats.counts)).toMatchObject({
      // A discarded token is counted as excess_scope, not as exchanged.
      exchanged: 1,
      consent_required: 2,
      interaction_required: 1,
      excess_scope: 2,
      unavailable: 1,
    });
  });
});
