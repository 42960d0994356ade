import 'reflect-metadata';
import { Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { z } from 'zod';
import { McpAuthModule, McpTool, McpToolProvider, RequireScopes, keycloak } from 'nestjs-mcp-auth';
import { DevIdpUsageError, parseDevIdpArguments, startDevIdp } from '../libs/mcp-auth/src/bin/dev-idp-command.js';
import type { RunningDevIdp } from '../libs/mcp-auth/src/bin/dev-idp-command.js';
import { parseCurl, run } from './support/curl.js';
import { freePortWithNext } from './support/free-port.js';

@McpToolProvider()
@RequireScopes('Notes.Read')
class NoteTools {
  @McpTool({ name: 'read_note', description: 'Reads a note', input: { id: z.number() } })
  read({ id }: { id: number }) {
    return `note ${id}`;
  }
}

/** Your application as the command's "Your application" line configures it, on the resource URL's port. */
async function appFor(options: Parameters<typeof McpAuthModule.forRoot>[0], port: number): Promise<INestApplication> {
  @Module({ imports: [McpAuthModule.forRoot(options)], providers: [NoteTools] })
  class AppModule {}
  const app = await NestFactory.create(AppModule, { bodyParser: false, logger: false });
  await app.listen(port, '127.0.0.1');
  return app;
}

/** The curl lines the command printed, one per user, by user name. */
function curlLines(instructions: string): Map<string, string> {
  const lines = instructions.split('\n');
  const byUser = new Map<string, string>();
  lines.forEach((line, index) => {
    const user = /^ {2}(\S+) \(.*\):$/.exec(line)?.[1];
    if (user) byUser.set(user, lines[index + 1].trim());
  });
  return byUser;
}

/** `npx nestjs-mcp-auth dev-idp`: a development identity provider for your own MCP server. */
describe('nestjs-mcp-auth dev-idp', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-dev-idp-command-'));
  const running: RunningDevIdp[] = [];
  const apps: INestApplication[] = [];
  afterAll(async () => {
    await Promise.all([...running.map((idp) => idp.close()), ...apps.map((app) => app.close())]);
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(argv: string[]): Promise<RunningDevIdp> {
    const idp = await startDevIdp(parseDevIdpArguments(argv, dir));
    running.push(idp);
    return idp;
  }

  it("prints the application's options and curl lines whose tokens your server accepts, with each user's scopes", async () => {
    const port = await freePortWithNext();
    const resourceUrl = `http://127.0.0.1:${port}/mcp`;
    const dev = await start(['--resource', resourceUrl, '--users', 'alice', '--scopes', 'Notes.Read', '--user', 'bob=Other.Scope']);

    // The provider runs on the resource URL's port + 1, and the printed options name it.
    expect(dev.idp.url).toBe(`http://127.0.0.1:${port + 1}`);
    expect(dev.instructions).toContain(`McpAuthModule.forRoot({ issuer: 'http://127.0.0.1:${port + 1}', resourceUrl: '${resourceUrl}' })`);
    apps.push(await appFor({ issuer: dev.idp.issuer, resourceUrl }, port));

    const curls = curlLines(dev.instructions);
    expect([...curls.keys()]).toEqual(['alice', 'bob']);
    const listed = async (user: string) => {
      const response = await run(parseCurl(curls.get(user)!, {}));
      expect(response.status).toBe(200);
      return ((await response.json()) as { result: { tools: Array<{ name: string }> } }).result.tools.map((tool) => tool.name);
    };
    expect(await listed('alice')).toEqual(['read_note']);
    expect(await listed('bob')).toEqual([]);
    const token = /Bearer (\S+)'/.exec(curls.get('alice')!)![1];
    expect(decodeJwt(token)).toMatchObject({ sub: 'alice', scope: 'Notes.Read', aud: resourceUrl, iss: dev.idp.issuer });
  });

  it('keeps its signing key in a file, so tokens printed by an earlier run stay valid', async () => {
    const port = await freePortWithNext();
    const argv = ['--resource', `http://127.0.0.1:${port}/mcp`, '--users', 'alice', '--key-file', 'keys/dev.json'];
    const first = await start(argv);
    const token = /Bearer (\S+)'/.exec(curlLines(first.instructions).get('alice')!)![1];
    await first.close();
    expect(statSync(join(dir, 'keys', 'dev.json')).mode & 0o777).toBe(0o600);

    const second = await start(argv);
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(second.idp.jwksUri)), { issuer: second.idp.issuer });
    expect(payload.sub).toBe('alice');
  });

  it("in Keycloak's shape, prints the keycloak() preset your application uses", async () => {
    const port = await freePortWithNext();
    const resourceUrl = `http://127.0.0.1:${port}/mcp`;
    const dev = await start([
      '--resource',
      resourceUrl,
      '--shape',
      'keycloak',
      '--realm',
      'acme',
      '--users',
      'carol',
      '--scopes',
      'Notes.Read',
    ]);

    expect(dev.instructions).toContain(
      `McpAuthModule.forRoot({ resourceUrl: '${resourceUrl}', issuers: [keycloak({ url: 'http://127.0.0.1:${port + 1}', realm: 'acme' })] })`,
    );
    apps.push(await appFor({ resourceUrl, issuers: [keycloak({ url: dev.idp.url, realm: 'acme' })] }, port));
    const response = await run(parseCurl(curlLines(dev.instructions).get('carol')!, {}));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('read_note');
  });

  it('says which option to change when its port is taken', async () => {
    const port = await freePortWithNext();
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(port + 1, '127.0.0.1', resolve));
    try {
      await expect(start(['--resource', `http://127.0.0.1:${port}/mcp`])).rejects.toThrow(
        new DevIdpUsageError(
          `127.0.0.1:${port + 1} is not available (listen EADDRINUSE: address already in use 127.0.0.1:${port + 1}): choose another with --port`,
        ),
      );
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it.each([
    [[], /--resource is required/],
    [['--resource', 'not a url'], /--resource must be an absolute URL/],
    [['--resource', 'http://127.0.0.1:3000/mcp', '--ttl', 'soon'], /--ttl must be a duration like 3600, 30m or 12h/],
    [['--resource', 'http://127.0.0.1:3000/mcp', '--shape', 'entra'], /--shape must be oidc or keycloak/],
    [['--resource', 'http://127.0.0.1:3000/mcp', '--port', 'x'], /--port must be a port number/],
    [['--resource', 'http://127.0.0.1:3000/mcp', '--color'], /Unknown option '--color'/],
  ])('refuses %j with one line naming the option', (argv, message) => {
    expect(() => parseDevIdpArguments(argv)).toThrow(message);
  });

  it('reads users, scopes and durations as documented', () => {
    const settings = parseDevIdpArguments([
      '--resource',
      'http://127.0.0.1:3000/mcp/',
      '--users',
      'a,b',
      '--scopes',
      'X,Y',
      '--ttl',
      '30m',
    ]);
    expect(settings).toMatchObject({
      resourceUrl: 'http://127.0.0.1:3000/mcp',
      port: 3001,
      ttlSeconds: 1800,
      users: [
        { name: 'a', scopes: ['X', 'Y'] },
        { name: 'b', scopes: ['X', 'Y'] },
      ],
    });
    expect(parseDevIdpArguments(['--resource', 'http://127.0.0.1:3000/mcp']).users).toEqual([{ name: 'dev-user', scopes: [] }]);
    expect(parseDevIdpArguments(['--resource', 'http://127.0.0.1:3000/mcp', '--user', 'c=P,Q']).users).toEqual([
      { name: 'c', scopes: ['P', 'Q'] },
    ]);
  });
});
