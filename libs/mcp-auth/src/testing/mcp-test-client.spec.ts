import 'reflect-metadata';
import { Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { DpopSession, InsufficientScopeError } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { RequireScopes } from '../authorization/require-scopes.decorator.js';
import { McpAuthModule } from '../mcp-auth.module.js';
import { McpToolProvider } from '../tools/mcp-tool-provider.decorator.js';
import { McpTool } from '../tools/mcp-tool.decorator.js';
import type { McpToolContext } from '../tools/mcp-tool-context.js';
import { connectMcpClient, connectModernMcpClient } from './mcp-test-client.js';
import { startTestIdentityProvider } from './test-identity-provider.js';
import type { TestIdentityProvider } from './test-identity-provider.js';

@McpToolProvider()
class EchoTools {
  @McpTool({ name: 'echo', description: 'Echoes its text', input: { text: z.string() } })
  @RequireScopes('Echo.Use')
  echo({ text }: { text: string }) {
    return text;
  }

  @McpTool({ name: 'ask_echo', description: 'Asks what to echo' })
  @RequireScopes('Echo.Use')
  async askEcho(_args: object, ctx: McpToolContext) {
    const answer = await ctx.elicit({ message: 'What should I echo?', schema: z.object({ text: z.string() }) });
    return answer.action === 'accept' ? answer.content.text : `(${answer.action})`;
  }
}

describe('connectMcpClient', () => {
  const resourceUrl = 'http://127.0.0.1/mcp';
  let idp: TestIdentityProvider;
  beforeAll(async () => {
    idp = await startTestIdentityProvider({ audience: resourceUrl });
  });
  afterAll(() => idp.close());

  it('starts an application that was only init()ed on an ephemeral loopback port, and connects to its endpoint path', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [McpAuthModule.forRoot({ issuer: idp.issuer, resourceUrl, path: '/tools/mcp' })],
      providers: [EchoTools],
    }).compile();
    const app = moduleRef.createNestApplication({ bodyParser: false });
    await app.init();
    try {
      const server = app.getHttpServer() as Server;
      expect(server.listening).toBe(false);

      const client = await connectMcpClient(app, await idp.token({ scope: 'Echo.Use' }));
      expect(server.listening).toBe(true);
      expect(server.address()).toMatchObject({ address: '127.0.0.1' });
      const result = await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
      expect(result.content).toEqual([{ type: 'text', text: 'hello' }]);
      await client.close();
    } finally {
      await app.close();
    }
  });

  it('plays the user of a tool that asks with `elicitation`; without it the tool is told the client cannot be asked', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [McpAuthModule.forRoot({ issuer: idp.issuer, resourceUrl })],
      providers: [EchoTools],
    }).compile();
    const app = moduleRef.createNestApplication({ bodyParser: false });
    await app.init();
    try {
      const token = await idp.token({ scope: 'Echo.Use' });
      const asked: string[] = [];
      const answering = await connectMcpClient(app, token, {
        elicitation: (params) => {
          asked.push(params.message);
          return { action: 'accept', content: { text: 'from the user' } };
        },
      });
      expect((await answering.callTool({ name: 'ask_echo', arguments: {} })).content).toEqual([{ type: 'text', text: 'from the user' }]);
      expect(asked).toEqual(['What should I echo?']);
      await answering.close();

      const silent = await connectMcpClient(app, token);
      expect(await silent.callTool({ name: 'ask_echo', arguments: {} })).toMatchObject({
        isError: true,
        content: [{ type: 'text', text: 'Input cannot be requested: Client does not support form elicitation.' }],
      });
      await silent.close();
    } finally {
      await app.close();
    }
  });

  it('throws an Error that says what to do when the application has no HTTP server', async () => {
    @Module({})
    class EmptyModule {}
    const context = await NestFactory.createApplicationContext(EmptyModule, { logger: false });
    try {
      const connecting = connectMcpClient(context as unknown as INestApplication, 'token');
      await expect(connecting).rejects.toBeInstanceOf(Error);
      await expect(connecting).rejects.toThrow(/createApplicationContext\(\).*app\.listen\(0\)/);
    } finally {
      await context.close();
    }
  });

  it('throws an Error naming app.listen(0), with the cause, when listening fails', async () => {
    // Nest rejects with plain strings in places; the caller still gets an Error with the reason attached.
    const app = { getHttpServer: () => createServer(), listen: () => Promise.reject('listen EACCES') } as unknown as INestApplication;
    const error: unknown = await connectMcpClient(app, 'token').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/call await app\.listen\(0\) before connectMcpClient/);
    expect((error as Error).cause).toBe('listen EACCES');
  });
});

describe('connectModernMcpClient', () => {
  const resourceUrl = 'http://127.0.0.1/mcp';
  let idp: TestIdentityProvider;
  let app: INestApplication;
  beforeAll(async () => {
    idp = await startTestIdentityProvider({ audience: resourceUrl });
    const moduleRef = await Test.createTestingModule({
      imports: [McpAuthModule.forRoot({ issuer: idp.issuer, resourceUrl })],
      providers: [EchoTools],
    }).compile();
    app = moduleRef.createNestApplication({ bodyParser: false });
    await app.init();
  });
  afterAll(async () => {
    await app.close();
    await idp.close();
  });

  it('connects the v2 client on revision 2026-07-28 (no session) and calls a tool with the token', async () => {
    const client = await connectModernMcpClient(app, await idp.token({ scope: 'Echo.Use' }));
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      expect(client.getProtocolEra()).toBe('modern');
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['echo', 'ask_echo']);
      const result = await client.callTool({ name: 'echo', arguments: { text: 'modern' } });
      expect(result.content).toEqual([{ type: 'text', text: 'modern' }]);
    } finally {
      await client.close();
    }
  });

  it('plays the user of a tool that asks with `elicitation` (a 2026-07-28 round); without it the call is refused with -32021', async () => {
    const token = await idp.token({ scope: 'Echo.Use' });
    const asked: string[] = [];
    const answering = await connectModernMcpClient(app, token, {
      elicitation: (params) => {
        asked.push(params.message);
        return { action: 'accept', content: { text: 'from the user' } };
      },
    });
    const silent = await connectModernMcpClient(app, token);
    try {
      expect((await answering.callTool({ name: 'ask_echo', arguments: {} })).content).toEqual([{ type: 'text', text: 'from the user' }]);
      expect(asked).toEqual(['What should I echo?']);
      await expect(silent.callTool({ name: 'ask_echo', arguments: {} })).rejects.toMatchObject({ code: -32021 });
    } finally {
      await answering.close();
      await silent.close();
    }
  });

  it("rejects a call the token lacks the scope for with the SDK's InsufficientScopeError, naming the challenged scope", async () => {
    const client = await connectModernMcpClient(app, await idp.token({ scope: 'Other.Scope' }));
    try {
      const call = client.callTool({ name: 'echo', arguments: { text: 'no' } });
      await expect(call).rejects.toBeInstanceOf(InsufficientScopeError);
      await expect(call).rejects.toThrow('Insufficient scope: required "Echo.Use"');
    } finally {
      await client.close();
    }
  });
});

describe('connectModernMcpClient with a DPoP key', () => {
  let idp: TestIdentityProvider;
  let app: INestApplication;
  let resourceUrl: string;
  beforeAll(async () => {
    // Proofs name the URL the client calls, compared with resourceUrl: the app listens where resourceUrl says.
    const port = await freeLoopbackPort();
    resourceUrl = `http://127.0.0.1:${port}/mcp`;
    idp = await startTestIdentityProvider({ audience: resourceUrl });
    const moduleRef = await Test.createTestingModule({
      imports: [McpAuthModule.forRoot({ issuer: idp.issuer, resourceUrl, dpop: { mode: 'allowed' } })],
      providers: [EchoTools],
    }).compile();
    app = moduleRef.createNestApplication({ bodyParser: false });
    await app.listen(port, '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    await idp.close();
  });

  it('presents a token bound to the key with a fresh proof per request (the same token sent as Bearer is refused)', async () => {
    const dpop = await DpopSession.create();
    const token = await idp.token({ scope: 'Echo.Use', cnf: { jkt: dpop.thumbprint } });
    const client = await connectModernMcpClient(app, token, { dpop });
    try {
      expect((await client.callTool({ name: 'echo', arguments: { text: 'bound' } })).content).toEqual([{ type: 'text', text: 'bound' }]);
      // Twice: each request carries a proof of its own (a replayed one would be refused).
      expect((await client.callTool({ name: 'echo', arguments: { text: 'again' } })).content).toEqual([{ type: 'text', text: 'again' }]);
    } finally {
      await client.close();
    }
    await expect(connectModernMcpClient(app, token).then((bearer) => bearer.listTools())).rejects.toThrow(/401|Unauthorized/);
  });

  it('is refused when the token is bound to another key (the proof does not match cnf.jkt)', async () => {
    const [dpop, other] = await Promise.all([DpopSession.create(), DpopSession.create()]);
    const token = await idp.token({ scope: 'Echo.Use', cnf: { jkt: other.thumbprint } });
    await expect(connectModernMcpClient(app, token, { dpop }).then((client) => client.listTools())).rejects.toThrow(/401|Unauthorized/);
  });
});

/** A port free on loopback now (the app listens on it next). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
