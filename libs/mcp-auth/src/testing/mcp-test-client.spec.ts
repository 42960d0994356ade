import 'reflect-metadata';
import { Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { z } from 'zod';
import { RequireScopes } from '../authorization/require-scopes.decorator.js';
import { McpAuthModule } from '../mcp-auth.module.js';
import { McpToolProvider } from '../tools/mcp-tool-provider.decorator.js';
import { McpTool } from '../tools/mcp-tool.decorator.js';
import { connectMcpClient } from './mcp-test-client.js';
import { startTestIdentityProvider } from './test-identity-provider.js';
import type { TestIdentityProvider } from './test-identity-provider.js';

@McpToolProvider()
class EchoTools {
  @McpTool({ name: 'echo', description: 'Echoes its text', input: { text: z.string() } })
  @RequireScopes('Echo.Use')
  echo({ text }: { text: string }) {
    return text;
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
