/**
 * A stateless server with TOOL_COUNT registered tools: `echo` (called by the benchmark)
 * and TOOL_COUNT - 1 others, each with its own input schema and scope requirement,
 * to show whether per-request cost grows with the number of tools. TOKEN_CACHE=off
 * turns the verified-token cache off, to show what it buys.
 */
import 'reflect-metadata';
import { ConsoleLogger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { McpAuthModule, McpTool, McpToolProvider, RequireScopes } from 'nestjs-mcp-auth';
import type { McpToolOptions } from 'nestjs-mcp-auth';
import { z } from 'zod';
import { failStartup, reportReady } from './child-protocol.js';

function benchToolsProvider(count: number): new () => object {
  class BenchTools {}
  const prototype = BenchTools.prototype as unknown as Record<string, unknown>;
  const define = (method: string, body: (args: never) => unknown, options: McpToolOptions, scope?: string) => {
    Object.defineProperty(prototype, method, { value: body, writable: true, configurable: true });
    const descriptor = Object.getOwnPropertyDescriptor(prototype, method)!;
    McpTool(options)(prototype, method, descriptor);
    if (scope) RequireScopes(scope)(prototype, method, descriptor);
  };
  define('echo', ({ message }: { message: string }) => message, { name: 'echo', input: { message: z.string() } });
  for (let i = 1; i < count; i++) {
    define(
      `tool${i}`,
      ({ id }: { id: number }) => ({ id }),
      {
        name: `tool_${i}`,
        description: `Filler tool ${i}`,
        input: { id: z.number().int(), note: z.string().max(100).optional() },
      },
      `bench.scope${i % 20}`,
    );
  }
  McpToolProvider()(BenchTools);
  return BenchTools;
}

async function main(): Promise<void> {
  const env = process.env;
  const port = Number(env.PORT);
  const resourceUrl = `http://127.0.0.1:${port}/mcp`;
  @Module({
    imports: [
      McpAuthModule.forRoot({
        issuer: env.MCP_AUTH_ISSUER!,
        jwksUri: env.MCP_AUTH_JWKS_URI!,
        resourceUrl,
        stateless: true,
        server: { name: 'bench-tools', version: '1.0.0' },
        tokenCache: env.TOKEN_CACHE === 'off' ? false : undefined,
      }),
    ],
    providers: [benchToolsProvider(Number(env.TOOL_COUNT ?? 1))],
  })
  class BenchToolsModule {}
  const app = await NestFactory.create(BenchToolsModule, {
    bodyParser: false,
    logger: new ConsoleLogger({ logLevels: ['error', 'warn'] }),
  });
  await app.listen(port, '127.0.0.1');
  reportReady({ url: resourceUrl });
}

main().catch(failStartup);
